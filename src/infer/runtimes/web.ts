import { IcmixError } from '../../util/errors.js';
import { readModelBytes } from './cpu.js';
import { wrapOrtSession, type OrtLikeSession, type OrtTensorCtor } from './ort-session.js';
import type { InferenceRuntime, RuntimeOptions } from './types.js';

/**
 * onnxruntime-web in Node: the same wasm engine (SIMD, multi-threaded through worker_threads) a
 * browser runs. `import('onnxruntime-web')` resolves to the package's Node entry
 * (dist/ort.node.min.mjs, its "node" export condition), which finds its .wasm files itself.
 *
 * The wasm module is initialised once per process by the first session, with the thread count
 * in `env.wasm.numThreads` at that moment; later sessions share it.
 */
let initialisedThreads: number | undefined;

export async function createWebRuntime(modelPath: string, opts: RuntimeOptions = {}): Promise<InferenceRuntime> {
  const ort = await import('onnxruntime-web');
  if (initialisedThreads === undefined) {
    // 0 lets onnxruntime pick (half the cores, at most 4); 1 means no worker threads.
    if (opts.threads !== undefined) ort.env.wasm.numThreads = opts.threads;
    ort.env.wasm.simd = true;
  }
  const bytes = await readModelBytes(modelPath, opts);
  let session: OrtLikeSession;
  try {
    session = (await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] })) as unknown as OrtLikeSession;
  } catch (e) {
    throw new IcmixError(`onnxruntime-web (wasm) cannot load ${modelPath}: ${(e as Error).message}`);
  }
  initialisedThreads ??= ort.env.wasm.numThreads ?? 0;
  const threads = initialisedThreads || 'auto';
  const mismatch = opts.threads !== undefined && opts.threads !== initialisedThreads ? ` (asked for ${opts.threads}; the wasm module was already started with ${threads})` : '';
  return wrapOrtSession(session, ort.Tensor as unknown as OrtTensorCtor, {
    name: 'web',
    requested: 'web',
    note: `onnxruntime-web ${ort.env.versions.web} wasm EP, SIMD, ${threads} thread(s)${mismatch}`,
  });
}
