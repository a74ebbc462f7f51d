/** Per-channel input standardisation, with statistics from the training set only. */
import type { Normalization } from '../types.js';
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

// Normalising itself lives in web/normalize.js, the one implementation the web page loads too.
