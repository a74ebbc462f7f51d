import type { ImageShape, Normalization } from '../types.js';
import { IcmixError } from '../util/errors.js';
import { normalize } from '../data/normalize.js';

/** How a model wants its input: the part of ModelInfo that preprocessing reads. */
export interface InputSpec {
  inputShape: ImageShape;
  inputLayout: 'NHWC' | 'NCHW';
  normalization: Normalization | null;
  normalizationBaked: boolean;
  /** Multiply [0, 1] pixels by this first (255 for models that take 0-255); absent = 1. */
  inputScale?: number;
}

/**
 * Images [n, h, w, c] in [0, 1] → the model's input tensor: normalised per channel unless the
 * graph does it itself (or no normalisation is recorded), then laid out NHWC or NCHW.
 */
export function preprocess(images: Float32Array, n: number, info: InputSpec): { data: Float32Array; dims: number[] } {
  const [h, w, c] = info.inputShape;
  const hw = h * w;
  if (images.length !== n * hw * c) {
    throw new IcmixError(`preprocess: got ${images.length} values for ${n} images of [${h}, ${w}, ${c}] (expected ${n * hw * c}); the data's image shape must match the model's input`);
  }
  const norm = info.normalizationBaked ? null : info.normalization;
  const scale = info.inputScale ?? 1;
  // Scaled only when asked, so icmix's own (0-1) models keep bit-identical inputs.
  if (scale !== 1) images = images.map((v) => v * scale);
  // Training's own normalize, so the ONNX model sees bit-identical inputs to the ones the tfjs
  // model was trained and tested on.
  if (info.inputLayout === 'NHWC') return { data: norm ? normalize(images, info.inputShape, norm) : images.slice(), dims: [n, h, w, c] };
  // NCHW: the same (x - mean) * (1/std) in float64, fused with the transpose.
  const mean = new Float64Array(c);
  const inv = new Float64Array(c).fill(1);
  if (norm) {
    for (let ch = 0; ch < c; ch++) {
      mean[ch] = norm.mean[ch];
      inv[ch] = 1 / norm.std[ch];
    }
  }
  const data = new Float32Array(images.length);
  for (let i = 0; i < n; i++) {
    const src = i * hw * c;
    for (let ch = 0; ch < c; ch++) {
      const dst = (i * c + ch) * hw;
      for (let p = 0; p < hw; p++) data[dst + p] = (images[src + p * c + ch] - mean[ch]) * inv[ch];
    }
  }
  return { data, dims: [n, c, h, w] };
}

/** NCHW → NHWC for a batch (the inverse of preprocess's layout step). */
export function nchwToNhwc(data: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
  const hw = h * w;
  const out = new Float32Array(data.length);
  for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) for (let p = 0; p < hw; p++) out[(i * hw + p) * c + ch] = data[(i * c + ch) * hw + p];
  return out;
}
