import type { ImageShape } from '../../../types.js';
import type { Rng } from '../../../util/rng.js';

export const SEVERITIES = [1, 2, 3, 4, 5] as const;

/**
 * One corruption: a deterministic function of the images, the severity and a seeded Rng.
 * images are [n, h, w, c] in [0, 1]; the result is a new array of the same shape, in [0, 1].
 */
export interface Corruption {
  name: string;
  /** 'noise' | 'blur' | 'photometric' | 'digital' | 'geometric' */
  family: string;
  /** What it does and its severity parameters, for --help and the report. */
  description: string;
  apply(images: Float32Array, n: number, shape: ImageShape, severity: number, rng: Rng): Float32Array;
}

/** The severity's parameter (severity 1..5 → params[severity - 1]). */
export function param<T>(params: readonly T[], severity: number, name: string): T {
  if (!Number.isInteger(severity) || severity < 1 || severity > params.length) {
    throw new RangeError(`${name}: severity must be an integer 1..${params.length}, got ${severity}`);
  }
  return params[severity - 1];
}
