import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { availableParallelism } from 'node:os';
import { IcmixError } from '../../util/errors.js';
import { estimateStepBytes, gib, largestFittingBatch, type StepSize } from '../step-memory.js';
import { restoreCoreBatchNormGradient } from '../batchnorm-grad.js';
import { uninstallFusedTraining } from '../fused/layer.js';
import { uninstallLeanConv } from '../fused/lean-conv.js';
import { registerWasmTrainingKernels } from '../wasm/register.js';
import type { TrainingEngine } from './types.js';

/** The wasm backend's heap cannot grow past this (emscripten's 4 GiB - 64 KiB wasm32 cap). */
export const WASM_HEAP_BYTES = 4294901760;

const TRAIN_ON_NATIVE = 'or train on the tensorflow engine (`bash scripts/setup.sh` installs it)';
/** Large photos (a 640x480 folder) are the usual cause: the size a folder is resized to is a flag. */
const SMALLER_IMAGES = 'or train on smaller images (a folder:<dir> dataset is resized to --image-size HxW, e.g. --image-size 64x64; by default to its most common file size)';

function suggestion(s: StepSize): string {
  const fits = largestFittingBatch(s, WASM_HEAP_BYTES);
  return fits >= 2 ? `use a batch size of at most ${fits}` : 'use a smaller model or smaller images';
}

/** Whether `err` is the wasm backend running out of memory (its heap cannot grow further). */
export function isWasmOutOfMemory(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : String(err);
  return (err instanceof WebAssembly.RuntimeError && /memory|unreachable/i.test(msg)) || /memory access out of bounds|Cannot enlarge memory|Aborted\(OOM\)|out of memory/i.test(msg);
}

/** tfjs-backend-wasm (XNNPACK, 128-bit SIMD) with icmix's training kernels; one thread per replica. */
export const wasmEngine: TrainingEngine<'wasm'> = {
  name: 'wasm',
  description: 'tfjs-backend-wasm with icmix\'s training kernels, one worker thread per core',
  priority: 10,
  packages: ['@tensorflow/tfjs-backend-wasm'],
  installHint: 'reinstall the dependencies with `npm ci` (@tensorflow/tfjs-backend-wasm)',
  available: () => ({ ok: true, package: '@tensorflow/tfjs-backend-wasm' }),
  async init() {
    registerWasmTrainingKernels();
    // tfjs's stock build: single-threaded in Node (a threaded loader hung intermittently; issue 10).
    if (!(await tf.setBackend('wasm'))) throw new IcmixError('the wasm backend failed to initialise; ' + this.installHint);
    await tf.ready();
    return { name: 'wasm', package: '@tensorflow/tfjs-backend-wasm', threads: 1 };
  },
  release() {
    // The kernels are registered for 'wasm' alone; the layer patches and the gradient are global.
    uninstallFusedTraining();
    uninstallLeanConv();
    restoreCoreBatchNormGradient();
  },
  defaultWorkers: () => availableParallelism(),
  workerThreads: true,
  checkStep(s) {
    const need = estimateStepBytes(s);
    if (need <= WASM_HEAP_BYTES) return;
    throw new IcmixError(`batch size ${s.batchSize} needs about ${gib(need)} per training step, more than the wasm backend's ${gib(WASM_HEAP_BYTES)} heap; ${suggestion(s)}, ${SMALLER_IMAGES}, ${TRAIN_ON_NATIVE}`);
  },
  outOfMemory(err, s, where) {
    if (!isWasmOutOfMemory(err)) return undefined;
    const half = Math.max(2, 2 ** Math.floor(Math.log2(s.batchSize / 2)));
    const fits = largestFittingBatch({ ...s, pairwise: true }, WASM_HEAP_BYTES / 2);
    return new IcmixError(`the wasm backend ran out of memory ${where} at batch size ${s.batchSize}; use a batch size of at most ${Math.min(half, fits || half)}, ${SMALLER_IMAGES}, ${TRAIN_ON_NATIVE}`);
  },
};
