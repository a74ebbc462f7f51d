/**
 * Standard image augmentation on NHWC float batches, in plain loops (no tensors: it runs on the
 * CPU while the backend trains): a random crop of the image zero-padded by `pad` pixels on each
 * side (i.e. a random shift by up to `pad` pixels with zero fill), then a horizontal flip with
 * probability 1/2. Per image the Rng draws: shift y, shift x (when pad > 0), then flip (when on).
 */
import type { ImageShape } from '../types.js';
import type { Rng } from '../util/rng.js';

export interface AugmentOptions {
  /** Zero padding in pixels before the random crop back to the original size; 0 = no crop. */
  pad: number;
  /** Mirror left-right with probability 1/2. */
  flip: boolean;
}

/**
 * Augment `n` images [n, h, w, c]. Returns a new array, or `images` itself when there is nothing
 * to do (pad 0, no flip) so callers can skip the copy.
 */
export function augmentBatch(images: Float32Array, n: number, shape: ImageShape, opts: AugmentOptions, rng: Rng): Float32Array {
  const { pad, flip } = opts;
  if (pad <= 0 && !flip) return images;
  const [h, w, c] = shape;
  const size = h * w * c;
  if (images.length < n * size) throw new RangeError(`augmentBatch: ${images.length} values for ${n} images of [${shape.join(', ')}]`);
  const out = new Float32Array(n * size); // zero-filled: padding stays 0
  for (let i = 0; i < n; i++) {
    const dy = pad > 0 ? rng.int(2 * pad + 1) - pad : 0;
    const dx = pad > 0 ? rng.int(2 * pad + 1) - pad : 0;
    const mirror = flip && rng.next() < 0.5;
    shiftFlip(images, out, i * size, h, w, c, dy, dx, mirror);
  }
  return out;
}

/**
 * out(y, x) = in(y + dy, x' + dx) with x' = w-1-x when mirrored else x; zero where that falls
 * outside the image. `out` must be zero at the image's slots.
 */
export function shiftFlip(src: Float32Array, out: Float32Array, base: number, h: number, w: number, c: number, dy: number, dx: number, mirror: boolean): void {
  const y0 = Math.max(0, -dy);
  const y1 = Math.min(h, h - dy);
  // Unmirrored output columns whose source column x + dx is inside [0, w).
  const x0 = Math.max(0, -dx);
  const x1 = Math.min(w, w - dx);
  if (x1 <= x0) return;
  const row = w * c;
  for (let y = y0; y < y1; y++) {
    const srow = base + (y + dy) * row;
    const orow = base + y * row;
    if (!mirror) {
      out.set(src.subarray(srow + (x0 + dx) * c, srow + (x1 + dx) * c), orow + x0 * c);
      continue;
    }
    // Mirrored: output column x reads the shifted column w-1-x.
    for (let x = x0; x < x1; x++) {
      const s = srow + (x + dx) * c;
      const o = orow + (w - 1 - x) * c;
      for (let k = 0; k < c; k++) out[o + k] = src[s + k];
    }
  }
}
