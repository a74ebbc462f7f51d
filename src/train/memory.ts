import type * as tfl from '@tensorflow/tfjs-layers';
import { IcmixError } from '../util/errors.js';

/** The wasm backend's heap cannot grow past this (emscripten's 4 GiB - 64 KiB wasm32 cap). */
export const WASM_HEAP_BYTES = 4294901760;

/** Floats one image occupies across every layer's output ([h, w, c] per layer, summed). */
export function activationFloatsPerImage(model: tfl.LayersModel): number {
  let total = 0;
  for (const layer of model.layers) {
    const shapes = layer.outputShape;
    const list = (Array.isArray(shapes[0]) || shapes.length === 0 ? shapes : [shapes]) as (number | null)[][];
    for (const s of list) total += s.slice(1).reduce((a: number, d) => a * (d ?? 1), 1);
  }
  return total;
}

export interface StepSize {
  batchSize: number;
  /** From activationFloatsPerImage. */
  activationFloats: number;
  numClasses: number;
  /** The loss builds [b, b] pair matrices (ICM): S, its row and column softmaxes and their gradients. */
  pairwise: boolean;
  /** Data-parallel replicas, each holding the activations of its ceil(b / replicas) rows (default 1). */
  replicas?: number;
}

/**
 * Rough peak bytes of one training step, float32: the forward activations kept for the backward
 * pass plus as much again for gradients and temporaries, the logits and targets, and, for ICM,
 * about six [b, b] matrices. A lower bound in spirit: it decides only when a step cannot fit.
 */
export function estimateStepBytes(s: StepSize): number {
  const b = s.batchSize;
  const rows = Math.ceil(b / (s.replicas ?? 1));
  return 4 * (2 * rows * s.activationFloats + 4 * b * s.numClasses + (s.pairwise ? 6 * b * b : 0));
}

/** The largest power-of-two batch size (at least 2) whose step fits in `budget` bytes, or 0. */
export function largestFittingBatch(s: Omit<StepSize, 'batchSize'>, budget: number): number {
  let best = 0;
  for (let b = 2; b <= 1 << 20 && estimateStepBytes({ ...s, batchSize: b }) <= budget; b *= 2) best = b;
  return best;
}

const gb = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

/**
 * Refuse, before the first step, a batch whose step cannot fit in the wasm heap: tfjs would fail
 * with "memory access out of bounds" after gigabytes of allocation.
 */
export function checkStepFitsWasm(s: StepSize): void {
  const need = estimateStepBytes(s);
  if (need <= WASM_HEAP_BYTES) return;
  throw new IcmixError(
    `batch size ${s.batchSize} needs about ${gb(need)} per training step, more than the wasm backend's ${gb(WASM_HEAP_BYTES)} heap; ` +
      `${suggestion(s)}, ${SMALLER_IMAGES}, or train on the tensorflow backend (tfjs-node)`,
  );
}

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

/** The message for a step that ran out of wasm memory anyway (the estimate is rough). */
export function wasmOutOfMemoryError(s: StepSize, where: string): IcmixError {
  const half = Math.max(2, 2 ** Math.floor(Math.log2(s.batchSize / 2)));
  const fits = largestFittingBatch({ ...s, pairwise: true }, WASM_HEAP_BYTES / 2);
  return new IcmixError(
    `the wasm backend ran out of memory ${where} at batch size ${s.batchSize}; use a batch size of at most ${Math.min(half, fits || half)}, ${SMALLER_IMAGES}, or train on the tensorflow backend (tfjs-node)`,
  );
}
