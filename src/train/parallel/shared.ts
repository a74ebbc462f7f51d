/**
 * The memory data-parallel workers share: one SharedArrayBuffer per region, sized once per run,
 * and a generation barrier on Atomics. Pure layout and synchronisation; no tfjs.
 */

/** Sizes that fix the shared regions for a run. */
export interface SharedSizes {
  workers: number;
  /** Largest batch of the run. */
  batch: number;
  /** Floats per image, h*w*c. */
  imageFloats: number;
  classes: number;
  /** Floats of the trainable weights, in model.trainableWeights order. */
  params: number;
  /** Floats of the non-trainable weights (BatchNorm moving mean and variance). */
  stats: number;
}

/** The buffers themselves; posted to each worker in its workerData (shared, never copied). */
export interface SharedBuffers {
  sizes: SharedSizes;
  /** Int32 [CONTROL_SLOTS]: barrier count, generation, abort flag. */
  control: SharedArrayBuffer;
  /** Float32 [2, batch, imageFloats]: the clean batch (cleanCE presets), then the mixed batch. */
  images: SharedArrayBuffer;
  /** Float32 [2, batch, classes]: every worker's logits rows of the clean and of the mixed pass. */
  logits: SharedArrayBuffer;
  /** Float32 [workers, params]: each worker's gradient of the whole-batch loss, from its rows. */
  grads: SharedArrayBuffer;
  /** Float32 [workers, stats]: each worker's BatchNorm moving statistics after its forward passes. */
  stats: SharedArrayBuffer;
}

const COUNT = 0;
const GENERATION = 1;
const ABORT = 2;
const CONTROL_SLOTS = 3;

const floats = (n: number) => new SharedArrayBuffer(4 * Math.max(1, n));

export function allocateShared(sizes: SharedSizes): SharedBuffers {
  const { workers, batch, imageFloats, classes, params, stats } = sizes;
  return {
    sizes,
    control: new SharedArrayBuffer(4 * CONTROL_SLOTS),
    images: floats(2 * batch * imageFloats),
    logits: floats(2 * batch * classes),
    grads: floats(workers * params),
    stats: floats(workers * stats),
  };
}

/** Typed views of the buffers, the same on every thread. */
export interface SharedViews {
  control: Int32Array;
  /** [batch * imageFloats] each. */
  cleanImages: Float32Array;
  mixedImages: Float32Array;
  /** [batch * classes] each. */
  cleanLogits: Float32Array;
  mixedLogits: Float32Array;
  /** Worker k's region of `grads` / `stats`. */
  gradsOf(k: number): Float32Array;
  statsOf(k: number): Float32Array;
}

export function viewShared(b: SharedBuffers): SharedViews {
  const { batch, imageFloats, classes, params, stats } = b.sizes;
  const images = new Float32Array(b.images);
  const logits = new Float32Array(b.logits);
  const grads = new Float32Array(b.grads);
  const st = new Float32Array(b.stats);
  return {
    control: new Int32Array(b.control),
    cleanImages: images.subarray(0, batch * imageFloats),
    mixedImages: images.subarray(batch * imageFloats, 2 * batch * imageFloats),
    cleanLogits: logits.subarray(0, batch * classes),
    mixedLogits: logits.subarray(batch * classes, 2 * batch * classes),
    gradsOf: (k) => grads.subarray(k * params, (k + 1) * params),
    statsOf: (k) => st.subarray(k * stats, (k + 1) * stats),
  };
}

/** Worker k's rows [start, end) of a batch of b: contiguous, sizes differing by at most one. */
export function sliceOf(b: number, workers: number, k: number): [number, number] {
  return [Math.floor((k * b) / workers), Math.floor(((k + 1) * b) / workers)];
}

/** Thrown inside a worker waiting at the barrier when the run was aborted (another worker failed). */
export class BarrierAborted extends Error {
  constructor() {
    super('the run was aborted while this worker waited for the others');
    this.name = 'BarrierAborted';
  }
}

/**
 * Wait until all `parties` workers arrive. The last to arrive resets the count and advances the
 * generation; the others sleep on the generation. Checks the abort flag while waiting, so a failed
 * worker never leaves the others blocked. Workers only: the main thread must not block.
 */
export function barrier(control: Int32Array, parties: number): void {
  const gen = Atomics.load(control, GENERATION);
  if (Atomics.add(control, COUNT, 1) === parties - 1) {
    Atomics.store(control, COUNT, 0);
    Atomics.add(control, GENERATION, 1);
    Atomics.notify(control, GENERATION);
    return;
  }
  for (;;) {
    // abortBarrier sets the flag before it moves the generation, so this order sees it.
    const moved = Atomics.load(control, GENERATION) !== gen;
    if (Atomics.load(control, ABORT)) throw new BarrierAborted();
    if (moved) return;
    // The timeout only re-checks the flag; abortBarrier also wakes every sleeper.
    Atomics.wait(control, GENERATION, gen, 1000);
  }
}

/** Release every worker waiting at the barrier, each with BarrierAborted. Any thread may call it. */
export function abortBarrier(control: Int32Array): void {
  Atomics.store(control, ABORT, 1);
  Atomics.add(control, GENERATION, 1);
  Atomics.notify(control, GENERATION);
}

/**
 * out = sum over k of parts[k], added in worker order in float64: every replica computes the same
 * sum bit for bit, so all apply the same update.
 */
export function sumInOrder(parts: Float32Array[], out: Float32Array, scale = 1): Float32Array {
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    for (const p of parts) s += p[i];
    out[i] = s * scale;
  }
  return out;
}
