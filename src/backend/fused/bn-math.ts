/**
 * BatchNorm in training as two passes forward and two backward over channel-last ([..., C]) float
 * arrays. Pure functions over typed arrays, so the wasm kernel (views of the wasm heap) and the
 * cpu kernel (the cpu backend's own arrays) run the same code.
 *
 * The unfused path (tfjs-layers: moments, then batchNorm, each differentiated op by op) makes
 * about 20 full-size passes per BN layer and step; these make 2 forward (statistics, normalise)
 * and 2 backward (two per-channel sums, then dx). Arithmetic is in doubles, stored as float32.
 */

/** Per-channel y = (x - mean) * rsqrt(var + eps) * gamma + beta with the batch's own biased statistics. */
export function bnTrainForward(
  x: Float32Array,
  channels: number,
  gamma: Float32Array,
  beta: Float32Array,
  eps: number,
  out: { y: Float32Array; mean: Float32Array; variance: Float32Array },
): void {
  const c = channels;
  const n = x.length / c;
  const s = new Float64Array(c);
  const q = new Float64Array(c);
  // Sums of x - k, k = the channel's first value: one pass, and no cancellation in q/n - (s/n)^2
  // when a channel's mean is large against its spread.
  for (let i = 0; i < x.length; i += c) {
    for (let j = 0; j < c; j++) {
      const d = x[i + j] - x[j];
      s[j] += d;
      q[j] += d * d;
    }
  }
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let j = 0; j < c; j++) {
    const ms = s[j] / n;
    const m = x[j] + ms;
    const v = Math.max(0, q[j] / n - ms * ms);
    out.mean[j] = m;
    out.variance[j] = v;
    scale[j] = gamma[j] / Math.sqrt(v + eps);
    shift[j] = beta[j] - m * scale[j];
  }
  const y = out.y;
  for (let i = 0; i < x.length; i += c) {
    for (let j = 0; j < c; j++) y[i + j] = x[i + j] * scale[j] + shift[j];
  }
}

/**
 * Gradients of bnTrainForward's y (mean and variance depend on x):
 *   dbeta = sum(dy), dgamma = r * sum(dy * (x - m)),
 *   dx = gamma * r * (dy - sum(dy)/n - (x - m) * r^2 * sum(dy * (x - m))/n),  r = rsqrt(var + eps),
 * written as dx = a*dy + b*x + k per channel.
 */
export function bnTrainBackward(
  dy: Float32Array,
  x: Float32Array,
  channels: number,
  gamma: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  eps: number,
  out: { dx: Float32Array; dgamma: Float32Array; dbeta: Float32Array },
): void {
  const c = channels;
  const n = x.length / c;
  const sdy = new Float64Array(c);
  const sdyx = new Float64Array(c);
  for (let i = 0; i < x.length; i += c) {
    for (let j = 0; j < c; j++) {
      const g = dy[i + j];
      sdy[j] += g;
      sdyx[j] += g * (x[i + j] - mean[j]);
    }
  }
  const a = new Float64Array(c);
  const b = new Float64Array(c);
  const k = new Float64Array(c);
  for (let j = 0; j < c; j++) {
    const r = 1 / Math.sqrt(variance[j] + eps);
    out.dbeta[j] = sdy[j];
    out.dgamma[j] = sdyx[j] * r;
    a[j] = gamma[j] * r;
    b[j] = (-a[j] * r * r * sdyx[j]) / n;
    k[j] = (-a[j] * sdy[j]) / n - b[j] * mean[j];
  }
  const dx = out.dx;
  for (let i = 0; i < x.length; i += c) {
    for (let j = 0; j < c; j++) dx[i + j] = a[j] * dy[i + j] + b[j] * x[i + j] + k[j];
  }
}
