import { openOrtSession, wrapOrtSession, type OrtTensorCtor } from './ort-session.js';
import type { InferenceRuntime, RuntimeName, RuntimeOptions } from './types.js';

/** An onnxruntime-node session on the given execution providers. */
export async function createOrtNode(
  modelPath: string,
  providers: string[],
  opts: RuntimeOptions,
  names: { name: RuntimeName; requested: RuntimeName; note?: string },
): Promise<InferenceRuntime> {
  const ort = await import('onnxruntime-node');
  const session = await openOrtSession(ort, modelPath, `onnxruntime-node (${providers.join(', ')})`, {
    executionProviders: providers,
    ...(opts.threads ? { intraOpNumThreads: opts.threads } : {}),
  }, opts.bytes);
  return wrapOrtSession(session, ort.Tensor as unknown as OrtTensorCtor, names);
}

/** onnxruntime-node on the CPU execution provider. */
export function createCpuRuntime(modelPath: string, opts: RuntimeOptions = {}): Promise<InferenceRuntime> {
  const note = `onnxruntime-node CPU EP${opts.threads ? `, ${opts.threads} intra-op threads` : ''}`;
  return createOrtNode(modelPath, ['cpu'], opts, { name: 'cpu', requested: 'cpu', note });
}
