// The one image resize of icmix: folder datasets (src/data/resize.ts re-exports it), the server's
// image bodies and this web page all call it, so a picture reaches the model as the same bytes
// whichever way it came. Plain ES module without imports or DOM use: the page loads it from /web/.
//
// Bilinear on 8-bit interleaved pixels with half-pixel centres: output pixel x samples the source
// at (x + 0.5) * srcW / dstW - 0.5 (tf.image.resizeBilinear with halfPixelCenters, which is what
// Keras' image_dataset_from_directory uses; OpenCV's INTER_LINEAR), edges clamped, no
// antialiasing, each channel (alpha included) interpolated on its own and rounded to the nearest
// byte.

/** Describes the resize in GET /v1/model, so a client can reproduce it. */
export const RESIZE_ALGORITHM = 'bilinear, half-pixel centres, edges clamped, no antialiasing, on 8-bit RGBA, rounded half up';

/**
 * Source taps for each output coordinate: lower index, upper index, weight of the upper.
 * @param {number} src
 * @param {number} dst
 * @returns {{ lo: Int32Array; hi: Int32Array; frac: Float64Array }}
 */
function taps(src, dst) {
  const lo = new Int32Array(dst);
  const hi = new Int32Array(dst);
  const frac = new Float64Array(dst);
  const scale = src / dst;
  for (let i = 0; i < dst; i++) {
    const at = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), src - 1);
    const l = Math.floor(at);
    lo[i] = l;
    hi[i] = Math.min(l + 1, src - 1);
    frac[i] = at - l;
  }
  return { lo, hi, frac };
}

/**
 * Resize `src` ([srcH, srcW, channels] bytes, row-major) to [dstH, dstW, channels].
 * The same size returns an exact copy.
 * @param {ArrayLike<number>} src
 * @param {number} srcH
 * @param {number} srcW
 * @param {number} channels
 * @param {number} dstH
 * @param {number} dstW
 * @returns {Uint8Array}
 */
export function resizeBilinear(src, srcH, srcW, channels, dstH, dstW) {
  const dims = [srcH, srcW, channels, dstH, dstW];
  if (!dims.every((d) => Number.isInteger(d) && d >= 1)) throw new RangeError(`resizeBilinear: sizes must be integers >= 1, got ${dims.join(', ')}`);
  if (src.length !== srcH * srcW * channels) throw new RangeError(`resizeBilinear: ${src.length} values do not fit [${srcH}, ${srcW}, ${channels}]`);
  const out = new Uint8Array(dstH * dstW * channels);
  if (srcH === dstH && srcW === dstW) {
    for (let i = 0; i < out.length; i++) out[i] = src[i];
    return out;
  }
  const ys = taps(srcH, dstH);
  const xs = taps(srcW, dstW);
  const row = srcW * channels;
  for (let y = 0; y < dstH; y++) {
    const r0 = ys.lo[y] * row;
    const r1 = ys.hi[y] * row;
    const fy = ys.frac[y];
    for (let x = 0; x < dstW; x++) {
      const c0 = xs.lo[x] * channels;
      const c1 = xs.hi[x] * channels;
      const fx = xs.frac[x];
      const o = (y * dstW + x) * channels;
      for (let c = 0; c < channels; c++) {
        const top = src[r0 + c0 + c] + (src[r0 + c1 + c] - src[r0 + c0 + c]) * fx;
        const bottom = src[r1 + c0 + c] + (src[r1 + c1 + c] - src[r1 + c0 + c]) * fx;
        // A convex combination of bytes stays in [0, 255]; round half up.
        out[o + c] = Math.floor(top + (bottom - top) * fy + 0.5);
      }
    }
  }
  return out;
}
