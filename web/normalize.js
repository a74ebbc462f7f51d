// The one input normalisation and layout conversion of icmix. Training (src/data/normalize.ts),
// inference preprocessing (src/infer/preprocess.ts), the tfjs reference runtime, export
// verification and this web page all call these functions, so every path feeds a model the same
// float32 values. Plain ES module without imports or DOM use: the page loads it from /web/ and
// Node imports it from src (tsc emits it to dist/web/ with the rest).

/**
 * @typedef {{ mean: readonly number[]; std: readonly number[] }} ChannelStats
 * Per-channel mean and standard deviation (one entry per channel).
 */

/**
 * @param {number} c
 * @param {ChannelStats} norm
 * @returns {{ mean: Float64Array; inv: Float64Array }}
 */
function channelFactors(c, norm) {
  if (norm.mean.length !== c || norm.std.length !== c) {
    throw new RangeError(`normalize: ${norm.mean.length} means / ${norm.std.length} stds for ${c} channels`);
  }
  // (x - mean) * (1 / std) in float64: training's arithmetic, so every path rounds alike.
  return { mean: Float64Array.from(norm.mean), inv: Float64Array.from(norm.std, (s) => 1 / s) };
}

/**
 * (x - mean[c]) * (1 / std[c]) into a new array; `images` is NHWC [n, h, w, c] with `shape`
 * [h, w, c] (only c is read).
 * @param {ArrayLike<number>} images
 * @param {readonly number[]} shape
 * @param {ChannelStats} norm
 * @returns {Float32Array}
 */
export function normalize(images, shape, norm) {
  const c = shape[2];
  const { mean, inv } = channelFactors(c, norm);
  const out = new Float32Array(images.length);
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

/**
 * The inverse of `normalize`: x * std[c] + mean[c] (for showing normalised images).
 * @param {ArrayLike<number>} images
 * @param {readonly number[]} shape
 * @param {ChannelStats} norm
 * @returns {Float32Array}
 */
export function denormalize(images, shape, norm) {
  const c = shape[2];
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i += c) for (let k = 0; k < c; k++) out[i + k] = images[i + k] * norm.std[k] + norm.mean[k];
  return out;
}

/**
 * NHWC [n, h, w, c] → NCHW [n, c, h, w], normalising on the way when `norm` is given (the same
 * values as `normalize` then the transpose, in one pass).
 * @param {ArrayLike<number>} data
 * @param {number} n
 * @param {readonly number[]} shape [h, w, c]
 * @param {ChannelStats | null} [norm]
 * @returns {Float32Array}
 */
export function nhwcToNchw(data, n, shape, norm = null) {
  const [h, w, c] = shape;
  const hw = h * w;
  const { mean, inv } = norm ? channelFactors(c, norm) : { mean: new Float64Array(c), inv: new Float64Array(c).fill(1) };
  const out = new Float32Array(n * hw * c);
  for (let i = 0; i < n; i++) {
    const src = i * hw * c;
    for (let ch = 0; ch < c; ch++) {
      const dst = (i * c + ch) * hw;
      const m = mean[ch];
      const s = inv[ch];
      for (let p = 0; p < hw; p++) out[dst + p] = norm ? (data[src + p * c + ch] - m) * s : data[src + p * c + ch];
    }
  }
  return out;
}

/**
 * NCHW [n, c, h, w] → NHWC [n, h, w, c] (the inverse of `nhwcToNchw`'s layout step).
 * @param {ArrayLike<number>} data
 * @param {number} n
 * @param {number} c
 * @param {number} h
 * @param {number} w
 * @returns {Float32Array}
 */
export function nchwToNhwc(data, n, c, h, w) {
  const hw = h * w;
  const out = new Float32Array(data.length);
  for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) for (let p = 0; p < hw; p++) out[(i * hw + p) * c + ch] = data[(i * c + ch) * hw + p];
  return out;
}

/**
 * Images [n, h, w, c] in [0, 1] → a model's input tensor: normalised per channel unless the graph
 * does it itself (or no normalisation is recorded), then laid out NHWC or NCHW. `spec` holds the
 * fields of icmix's model info (GET /v1/model) that say how the model wants its input.
 * @param {ArrayLike<number>} images
 * @param {number} n
 * A model that takes 0-255 pixels has `inputScale` 255: pixels are scaled (in float32) first.
 * @param {{ inputShape: readonly number[]; inputLayout: 'NHWC' | 'NCHW'; normalization: ChannelStats | null; normalizationBaked: boolean; inputScale?: number }} spec
 * @returns {{ data: Float32Array; dims: number[] }}
 */
export function toModelInput(images, n, spec) {
  const [h, w, c] = spec.inputShape;
  const scale = spec.inputScale ?? 1;
  // Scaled only when asked, so icmix's own (0-1) models keep bit-identical inputs.
  if (scale !== 1) images = Float32Array.from(images, (v) => v * scale);
  const norm = spec.normalizationBaked ? null : spec.normalization;
  if (spec.inputLayout === 'NCHW') return { data: nhwcToNchw(images, n, spec.inputShape, norm), dims: [n, c, h, w] };
  return { data: norm ? normalize(images, spec.inputShape, norm) : Float32Array.from(images), dims: [n, h, w, c] };
}
