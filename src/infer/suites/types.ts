import type { ImageShape } from '../../types.js';
import { Rng } from '../../util/rng.js';

export type SuiteName = 'id' | 'ood' | 'corruptions';
export const SUITE_NAMES: readonly SuiteName[] = ['id', 'ood', 'corruptions'];

/** A batch of images one suite evaluates: [n, h, w, c] in [0, 1]. */
export interface EvalImages {
  /** 'id', 'ood:<name>' or 'corruptions:<corruption>:<severity>'. */
  key: string;
  images: Float32Array;
  n: number;
  shape: ImageShape;
  /** [n] true classes; absent for OOD sets. */
  labels?: Int32Array;
}

/** k of n indices, seeded, in increasing order (so subsets keep the dataset's order); all when k >= n. */
export function sampleIndices(n: number, k: number | undefined, seed: number, label: string): Int32Array {
  if (k === undefined || k >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const perm = new Rng(seed).fork(label).permutation(n);
  return perm.subarray(0, Math.max(0, k)).sort();
}

/** Copy the images at `idx` out of a batch [n, h, w, c]. */
export function gather(images: Float32Array, size: number, idx: Int32Array): Float32Array {
  const out = new Float32Array(idx.length * size);
  for (let i = 0; i < idx.length; i++) out.set(images.subarray(idx[i] * size, (idx[i] + 1) * size), i * size);
  return out;
}
