/** Epoch orders and batch assembly. */
import type { Rng } from '../util/rng.js';
import { imageSize, type ImageSet } from './image-set.js';

/** A seeded random order of 0..n-1 for one epoch. */
export function epochOrder(n: number, rng: Rng): Int32Array {
  return rng.permutation(n);
}

/**
 * The batches of an epoch as views into `order`: consecutive slices of `batchSize`; the last,
 * shorter one is kept unless `dropLast` (mixup-style losses prefer full batches).
 */
export function batchSlices(order: Int32Array, batchSize: number, dropLast = false): Int32Array[] {
  if (!(batchSize >= 1)) throw new RangeError(`batchSize must be >= 1, got ${batchSize}`);
  const out: Int32Array[] = [];
  for (let s = 0; s < order.length; s += batchSize) {
    const e = Math.min(order.length, s + batchSize);
    if (dropLast && e - s < batchSize) break;
    out.push(order.subarray(s, e));
  }
  return out;
}

/** Copy the images and labels at `idx` into a batch: images [b, h, w, c], labels [b]. */
export function gatherImages(set: ImageSet, idx: ArrayLike<number>): { images: Float32Array; labels: Int32Array } {
  const size = imageSize(set.shape);
  const images = new Float32Array(idx.length * size);
  const labels = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i];
    images.set(set.images.subarray(j * size, (j + 1) * size), i * size);
    labels[i] = set.labels[j];
  }
  return { images, labels };
}
