import { openOrtSession, wrapOrtSession, type OrtTensorCtor } from './ort-session.js';
import type { InferenceRuntime, RuntimeName, RuntimeOptions } from './types.js';
import { defaultOrtThreads } from './threads.js';

/** An onnxruntime-node session on the given execution providers. */
export async function createOrtNode(
  modelPath: string,
  providers: string[],
  opts: RuntimeOptions,
  names: { name: RuntimeName; requested: RuntimeName; note?: string },
): Promise<InferenceRuntime> {
  const ort = await import('onnxruntime-node');
  // ORT's own default (0) is one thread per physical core; ours is every core (./threads.ts).
  const threads = opts.threads ?? defaultOrtThreads();
  const session = await openOrtSession(ort, modelPath, `onnxruntime-node (${providers.join(', ')})`, {
    executionProviders: providers,
    intraOpNumThreads: threads,
  }, opts.bytes);
  return wrapOrtSession(session, ort.Tensor as unknown as OrtTensorCtor, { ...names, note: `${names.note ?? `onnxruntime-node ${providers.join(', ')}`}, ${threads} intra-op thread(s)` });
}

/** onnxruntime-node on the CPU execution provider. */
export function createCpuRuntime(modelPath: string, opts: RuntimeOptions = {}): Promise<InferenceRuntime> {
  return createOrtNode(modelPath, ['cpu'], opts, { name: 'cpu', requested: 'cpu', note: 'onnxruntime-node CPU EP' });
}
