/** Per-channel input standardisation, with statistics from the training set only. */
import type { ImageShape, Normalization } from '../types.js';
import type { ImageSet } from './image-set.js';

/** Below this a channel is treated as constant: std 1 keeps normalised values finite. */
const MIN_STD = 1e-6;

/** Mean and (population) standard deviation of each channel over every pixel of every image. */
export function computeNormalization(set: Pick<ImageSet, 'images' | 'shape'>): Normalization {
  const c = set.shape[2];
  const x = set.images;
  const pixels = x.length / c;
  // Two passes in float64: one-pass sum-of-squares loses digits when std << mean.
  const sum = new Float64Array(c);
  for (let i = 0; i < x.length; i += c) for (let k = 0; k < c; k++) sum[k] += x[i + k];
  const mean = Array.from(sum, (s) => (pixels > 0 ? s / pixels : 0));
  const sq = new Float64Array(c);
  for (let i = 0; i < x.length; i += c) {
    for (let k = 0; k < c; k++) {
      const d = x[i + k] - mean[k];
      sq[k] += d * d;
    }
  }
  const std = Array.from(sq, (s) => {
    const v = pixels > 0 ? Math.sqrt(s / pixels) : 1;
    return v < MIN_STD ? 1 : v;
  });
  return { mean, std };
}

/** (x - mean[c]) / std[c] into a new array; `images` is [n, h, w, c]. */
export function normalize(images: Float32Array, shape: ImageShape, norm: Normalization): Float32Array {
  const c = shape[2];
  if (norm.mean.length !== c || norm.std.length !== c) {
    throw new RangeError(`normalize: ${norm.mean.length} means / ${norm.std.length} stds for ${c} channels`);
  }
  const out = new Float32Array(images.length);
  const mean = Float64Array.from(norm.mean);
  const inv = Float64Array.from(norm.std, (s) => 1 / s);
  if (c === 1) {
    const m = mean[0];
    const s = inv[0];
    for (let i = 0; i < images.length; i++) out[i] = (images[i] - m) * s;
    return out;
  }
  if (c === 3) {
    // RGB unrolled: the generic inner loop is ~3x slower and this runs on every training batch.
    const [m0, m1, m2] = mean;
    const [s0, s1, s2] = inv;
    for (let i = 0; i < images.length; i += 3) {
      out[i] = (images[i] - m0) * s0;
      out[i + 1] = (images[i + 1] - m1) * s1;
      out[i + 2] = (images[i + 2] - m2) * s2;
    }
    return out;
  }
  for (let i = 0; i < images.length; i += c) for (let k = 0; k < c; k++) out[i + k] = (images[i + k] - mean[k]) * inv[k];
  return out;
}

/** The inverse of `normalize` (for showing normalised images). */
export function denormalize(images: Float32Array, shape: ImageShape, norm: Normalization): Float32Array {
  const c = shape[2];
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i += c) for (let k = 0; k < c; k++) out[i + k] = images[i + k] * norm.std[k] + norm.mean[k];
  return out;
}
