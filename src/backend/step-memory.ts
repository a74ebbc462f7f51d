/**
 * Rough memory of one training step, engine-independent: what an engine with a hard memory cap
 * (wasm's 4 GiB heap) checks a batch against before the first step.
 */
export interface StepSize {
  batchSize: number;
  /** Floats one image occupies across every layer's output (train/memory.ts's activationFloatsPerImage). */
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

export const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
