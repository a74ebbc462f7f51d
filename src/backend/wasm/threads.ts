/**
 * Multi-threaded wasm backend in Node.
 *
 * tfjs-backend-wasm ships a threaded SIMD build (xnnpack + pthreadpool on emscripten pthreads),
 * but never uses it in Node: its WASM_HAS_MULTITHREAD_SUPPORT flag returns false there
 * (tfjs issue #3830), and the loader hands emscripten the pthread worker as a Blob URL, which
 * Node's worker_threads cannot load. Emscripten's own output supports Node workers, so we load
 * the threaded build ourselves and register it under the backend name 'wasm' (all wasm kernels,
 * including icmix's, keep working):
 *  - the worker script (shipped as a JS string) is written to a file Node can start;
 *  - the main script is given as a path, which the worker loads with its node importScripts;
 *  - tfjs caps the pool at emscripten_num_logical_cores()/2 (it assumes 2 hyperthreads per core),
 *    which is 1 on a 2-vCPU machine, so os.cpus() reports 2x the wanted threads while the module
 *    initialises.
 * Only xnnpack kernels (Conv2D, matmuls, some element-wise ops) run on the pool; the rest of tfjs's
 * wasm kernels and our JS kernels stay on the main thread.
 *
 * EXPERIMENTAL, opt-in only (ICMIX_WASM_THREADS): it starts and computes correctly (2 threads
 * halve a Conv2D), but twice a process hung at 0% CPU (a full ResNet training run, and a small
 * conv test under node --test), i.e. an intermittent pthread deadlock not yet understood.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm, setThreadsCount, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomicSync } from '../../util/atomic.js';

const require = createRequire(import.meta.url);

/** Emscripten module surface the backend uses (see tfjs-backend-wasm's backend_wasm.js init()). */
interface EmscriptenModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  tfjs?: Record<string, (...a: number[]) => number>;
}

let registered: number | undefined;
/** tfjs's own (single-threaded in Node) factory, kept for the fallback. */
let stockFactory: { factory: () => tf.KernelBackend | Promise<tf.KernelBackend>; priority: number } | undefined;

/**
 * Threads for the wasm backend: ICMIX_WASM_THREADS (a number, or 'auto' for all cores), else 1.
 * Opt-in for now: measured on a shared 2-vCPU machine, the threaded build halves Conv2D time but
 * loses it elsewhere (V8 typed-array ops on its SharedArrayBuffer heap are far slower, e.g. fill
 * 25x, which hits tfjs's JS-side kernels and ours; pool workers stall when the other core is busy).
 */
export function defaultWasmThreads(): number {
  const raw = process.env.ICMIX_WASM_THREADS;
  if (raw === 'auto') {
    const n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    return Math.max(1, Math.min(8, n)); // tfjs pre-spawns 8 pthread workers
  }
  const env = Number(raw);
  return Number.isInteger(env) && env >= 1 ? Math.min(8, env) : 1;
}

/** Write the pthread worker script once per content (shared by processes, atomic). */
function workerFile(outDir: string): string {
  const { wasmWorkerContents } = require(path.join(outDir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  // The string came out of a template literal, so its "\n" escapes are real newlines now,
  // some inside string literals; tfjs escapes them the same way before making its Blob.
  const code = wasmWorkerContents.replace(/\n/g, '\\n');
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 12);
  const file = path.join(os.tmpdir(), `icmix-tfjs-wasm-pthread-${hash}.cjs`);
  if (!existsSync(file)) writeFileAtomicSync(file, code);
  return file;
}

async function loadThreadedModule(threads: number): Promise<EmscriptenModule> {
  const main = require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const outDir = path.dirname(main);
  const factory = require(main) as (cfg: object) => Promise<EmscriptenModule>;
  const worker = workerFile(outDir);
  const osCjs = require('node:os') as { cpus: typeof os.cpus };
  const realCpus = osCjs.cpus;
  osCjs.cpus = () => {
    const c = realCpus();
    return Array.from({ length: 2 * threads }, (_, i) => c[i % c.length]);
  };
  try {
    const mod = await factory({
      locateFile: (p: string, prefix: string) =>
        p.endsWith('.worker.js')
          ? worker
          : p.endsWith('.wasm')
            ? path.join(outDir, 'tfjs-backend-wasm-threaded-simd.wasm')
            : prefix + p,
      mainScriptUrlOrBlob: main,
    });
    mod.tfjs = {
      init: mod.cwrap('init', null, []),
      initWithThreadsCount: mod.cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: mod.cwrap('get_threads_count', 'number', []),
      registerTensor: mod.cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: mod.cwrap('dispose_data', null, ['number']),
      dispose: mod.cwrap('dispose', null, []),
    };
    return mod;
  } finally {
    osCjs.cpus = realCpus;
  }
}

/**
 * Make the 'wasm' backend the threaded SIMD build with `threads` xnnpack threads. Call before the
 * wasm backend first initialises; returns false (and changes nothing) if it already has, or if
 * threads <= 1. Idempotent for the same thread count.
 */
export function registerThreadedWasmBackend(threads = defaultWasmThreads()): boolean {
  if (registered === threads) return true;
  if (threads <= 1) return false;
  if (tf.engine().registry['wasm']) return false; // already initialised: tensors live in it
  setThreadsCount(threads);
  stockFactory ??= tf.engine().registryFactory['wasm'];
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => new BackendWasm((await loadThreadedModule(threads)) as unknown as BackendWasm['wasm']),
    2,
  );
  registered = threads;
  return true;
}

/**
 * Put tfjs's stock wasm build back (after the threaded one failed to initialise). Returns false if
 * there is nothing to restore.
 */
export function restoreStockWasmBackend(): boolean {
  if (!stockFactory || tf.engine().registry['wasm']) return false;
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', stockFactory.factory, stockFactory.priority);
  setThreadsCount(-1);
  registered = undefined;
  return true;
}

/** xnnpack threads of the initialised wasm backend (1 for the stock Node build). */
export function wasmThreads(): number {
  try {
    return getThreadsCount();
  } catch {
    return 0;
  }
}
