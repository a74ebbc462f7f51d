import { openOrtSession, wrapOrtSession, type OrtTensorCtor } from './ort-session.js';
import type { InferenceRuntime, RuntimeOptions } from './types.js';
import { defaultOrtThreads } from './threads.js';

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
    // Set before the first session: the wasm module starts its thread pool once, with this count.
    // onnxruntime's own default (0) is half the cores, at most 4; ours is every core (see
    // ./threads.ts). 1 means no worker threads.
    ort.env.wasm.numThreads = opts.threads ?? defaultOrtThreads();
    ort.env.wasm.simd = true;
  }
  const session = await openOrtSession(ort, modelPath, 'onnxruntime-web (wasm)', { executionProviders: ['wasm'] }, opts.bytes);
  initialisedThreads ??= ort.env.wasm.numThreads ?? 0;
  const threads = initialisedThreads || 'auto';
  const mismatch = opts.threads !== undefined && opts.threads !== initialisedThreads ? ` (asked for ${opts.threads}; the wasm module was already started with ${threads})` : '';
  return wrapOrtSession(session, ort.Tensor as unknown as OrtTensorCtor, {
    name: 'web',
    requested: 'web',
    note: `onnxruntime-web ${ort.env.versions.web} wasm EP, SIMD, ${threads} thread(s)${mismatch}`,
  });
}
