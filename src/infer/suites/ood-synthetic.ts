/**
 * Synthetic OOD sets, made reproducibly from a seed: far OOD noise images, and near OOD sets
 * made from in-distribution test images (inverted, heavily blurred), which keep the low-level
 * statistics of the data but not its classes.
 */
import type { ImageShape } from '../../types.js';
import type { Rng } from '../../util/rng.js';
import { clip01, gaussianBlur, mapImages } from './image-ops.js';

export interface SyntheticOod {
  name: string;
  kind: 'far' | 'near';
  description: string;
  /** n images [n, h, w, c] in [0, 1]; `id` are in-distribution test images (n of them). */
  make(id: Float32Array, n: number, shape: ImageShape, rng: Rng): Float32Array;
}

/** Blur of the 'blurred' set in pixels per 28 px: far beyond the corruption suite's strongest. */
const NEAR_BLUR_SIGMA = 2.5;

export const SYNTHETIC_OOD: SyntheticOod[] = [
  {
    name: 'gaussian-noise',
    kind: 'far',
    description: 'i.i.d. pixels clip(N(0.5, 0.25^2))',
    make: (_id, n, [h, w, c], rng) => Float32Array.from({ length: n * h * w * c }, () => clip01(0.5 + 0.25 * rng.normal())),
  },
  {
    name: 'uniform-noise',
    kind: 'far',
    description: 'i.i.d. pixels U(0, 1)',
    make: (_id, n, [h, w, c], rng) => Float32Array.from({ length: n * h * w * c }, () => rng.next()),
  },
  {
    name: 'inverted',
    kind: 'near',
    description: 'in-distribution test images, 1 - x',
    make: (id) => id.map((v) => 1 - v),
  },
  {
    name: 'blurred',
    kind: 'near',
    description: `in-distribution test images under a Gaussian blur of sigma ${NEAR_BLUR_SIGMA} px (per 28 px)`,
    make: (id, n, [h, w, c]) => mapImages(id, n, h * w * c, (img) => gaussianBlur(img, h, w, c, (NEAR_BLUR_SIGMA * h) / 28)),
  },
];

export function getSyntheticOod(name: string): SyntheticOod | undefined {
  return SYNTHETIC_OOD.find((s) => s.name === name);
}
