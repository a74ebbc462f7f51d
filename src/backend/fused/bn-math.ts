/**
 * BatchNorm in training as two passes forward and two backward over channel-last ([..., C]) float
 * arrays. Pure functions over typed arrays, so the wasm kernel (views of the wasm heap) and the
 * cpu kernel (the cpu backend's own arrays) run the same code.
 *
 * The unfused path (tfjs-layers: moments, then batchNorm, each differentiated op by op) makes
 * about 20 full-size passes per BN layer and step; these make 2 forward (statistics, normalise)
 * and 2 backward (two per-channel sums, then dx). Arithmetic is in doubles, stored as float32.
 *
 * When C is a multiple of 4 each pass runs channel groups of 4 with the per-channel terms in
 * locals, striding over rows: V8 keeps those in registers, where the general loop reads and
 * writes per-channel arrays for every element (2.3x faster on the statistics pass here). The
 * rows go in tiles of TILE_FLOATS, all groups over one tile before the next: otherwise each of
 * the C/4 groups streams the whole tensor from memory (8 times over for C = 32).
 */

/** Floats per row tile: 256 KiB, inside L2, so a tile read by the first group stays cached. */
const TILE_FLOATS = 65536;

/** Elements per tile: whole rows of c channels. */
function tileLength(c: number): number {
  return Math.max(1, Math.floor(TILE_FLOATS / c)) * c;
}

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
  if (c % 4 === 0) {
    const step = tileLength(c);
    for (let t = 0; t < x.length; t += step) {
      const end = Math.min(x.length, t + step);
      for (let j = 0; j < c; j += 4) {
        const [k0, k1, k2, k3] = [x[j], x[j + 1], x[j + 2], x[j + 3]];
        let [s0, s1, s2, s3, q0, q1, q2, q3] = [0, 0, 0, 0, 0, 0, 0, 0];
        for (let i = t + j; i < end; i += c) {
          const d0 = x[i] - k0;
          const d1 = x[i + 1] - k1;
          const d2 = x[i + 2] - k2;
          const d3 = x[i + 3] - k3;
          s0 += d0;
          s1 += d1;
          s2 += d2;
          s3 += d3;
          q0 += d0 * d0;
          q1 += d1 * d1;
          q2 += d2 * d2;
          q3 += d3 * d3;
        }
        s[j] += s0;
        s[j + 1] += s1;
        s[j + 2] += s2;
        s[j + 3] += s3;
        q[j] += q0;
        q[j + 1] += q1;
        q[j + 2] += q2;
        q[j + 3] += q3;
      }
    }
  } else {
    for (let i = 0; i < x.length; i += c) {
      for (let j = 0; j < c; j++) {
        const d = x[i + j] - x[j];
        s[j] += d;
        q[j] += d * d;
      }
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
  affine(x, c, scale, undefined, shift, out.y);
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
  if (c % 4 === 0) {
    const step = tileLength(c);
    for (let t = 0; t < x.length; t += step) {
      const end = Math.min(x.length, t + step);
      for (let j = 0; j < c; j += 4) {
        const [m0, m1, m2, m3] = [mean[j], mean[j + 1], mean[j + 2], mean[j + 3]];
        let [a0, a1, a2, a3, b0, b1, b2, b3] = [0, 0, 0, 0, 0, 0, 0, 0];
        for (let i = t + j; i < end; i += c) {
          const g0 = dy[i];
          const g1 = dy[i + 1];
          const g2 = dy[i + 2];
          const g3 = dy[i + 3];
          a0 += g0;
          a1 += g1;
          a2 += g2;
          a3 += g3;
          b0 += g0 * (x[i] - m0);
          b1 += g1 * (x[i + 1] - m1);
          b2 += g2 * (x[i + 2] - m2);
          b3 += g3 * (x[i + 3] - m3);
        }
        sdy[j] += a0;
        sdy[j + 1] += a1;
        sdy[j + 2] += a2;
        sdy[j + 3] += a3;
        sdyx[j] += b0;
        sdyx[j + 1] += b1;
        sdyx[j + 2] += b2;
        sdyx[j + 3] += b3;
      }
    }
  } else {
    for (let i = 0; i < x.length; i += c) {
      for (let j = 0; j < c; j++) {
        const g = dy[i + j];
        sdy[j] += g;
        sdyx[j] += g * (x[i + j] - mean[j]);
      }
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
  affine(x, c, b, { dy, a }, k, out.dx);
}

/** out = x * b + k per channel, plus dy * a when given. */
function affine(
  x: Float32Array,
  c: number,
  b: Float64Array,
  grad: { dy: Float32Array; a: Float64Array } | undefined,
  k: Float64Array,
  out: Float32Array,
): void {
  const dy = grad?.dy ?? x;
  const a = grad?.a ?? new Float64Array(c);
  if (c % 4 === 0) {
    const step = tileLength(c);
    for (let t = 0; t < x.length; t += step) {
      const end = Math.min(x.length, t + step);
      for (let j = 0; j < c; j += 4) {
        const [a0, a1, a2, a3] = [a[j], a[j + 1], a[j + 2], a[j + 3]];
        const [b0, b1, b2, b3] = [b[j], b[j + 1], b[j + 2], b[j + 3]];
        const [k0, k1, k2, k3] = [k[j], k[j + 1], k[j + 2], k[j + 3]];
        for (let i = t + j; i < end; i += c) {
          out[i] = a0 * dy[i] + b0 * x[i] + k0;
          out[i + 1] = a1 * dy[i + 1] + b1 * x[i + 1] + k1;
          out[i + 2] = a2 * dy[i + 2] + b2 * x[i + 2] + k2;
          out[i + 3] = a3 * dy[i + 3] + b3 * x[i + 3] + k3;
        }
      }
    }
  } else {
    for (let i = 0; i < x.length; i += c) {
      for (let j = 0; j < c; j++) out[i + j] = a[j] * dy[i + j] + b[j] * x[i + j] + k[j];
    }
  }
}
