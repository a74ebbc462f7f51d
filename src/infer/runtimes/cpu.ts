import { promises as fs } from 'node:fs';
import { IcmixError } from '../../util/errors.js';
import { wrapOrtSession, type OrtLikeSession, type OrtTensorCtor } from './ort-session.js';
import type { InferenceRuntime, RuntimeName, RuntimeOptions } from './types.js';

export async function readModelBytes(modelPath: string, opts: RuntimeOptions = {}): Promise<Uint8Array> {
  if (opts.bytes) return opts.bytes;
  try {
    return await fs.readFile(modelPath);
  } catch (e) {
    throw new IcmixError(`cannot read model ${modelPath} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pass the .onnx written by \`icmix export\``);
  }
}

/** An onnxruntime-node session on the given execution providers. */
export async function createOrtNode(
  modelPath: string,
  providers: string[],
  opts: RuntimeOptions,
  names: { name: RuntimeName; requested: RuntimeName; note?: string },
): Promise<InferenceRuntime> {
  const ort = await import('onnxruntime-node');
  const bytes = await readModelBytes(modelPath, opts);
  let session: OrtLikeSession;
  try {
    session = (await ort.InferenceSession.create(bytes, {
      executionProviders: providers,
      ...(opts.threads ? { intraOpNumThreads: opts.threads } : {}),
    })) as unknown as OrtLikeSession;
  } catch (e) {
    throw new IcmixError(`onnxruntime-node (${providers.join(', ')}) cannot load ${modelPath}: ${(e as Error).message}`);
  }
  return wrapOrtSession(session, ort.Tensor as unknown as OrtTensorCtor, names);
}

/** onnxruntime-node on the CPU execution provider. */
export function createCpuRuntime(modelPath: string, opts: RuntimeOptions = {}): Promise<InferenceRuntime> {
  const note = `onnxruntime-node CPU EP${opts.threads ? `, ${opts.threads} intra-op threads` : ''}`;
  return createOrtNode(modelPath, ['cpu'], opts, { name: 'cpu', requested: 'cpu', note });
}
