/**
 * Small image operations on one image [h, w, c] in a Float32Array, shared by the corruption
 * families and the synthetic near-OOD sets. Out-of-image samples read `fill` (0 = background
 * for MNIST-like data, as MNIST-C does).
 */

export function clip01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** Bilinear sample of channel ch at real coordinates (y, x), pixel centres at integers. */
export function sampleBilinear(img: Float32Array, h: number, w: number, c: number, y: number, x: number, ch: number, fill = 0): number {
  const y0 = Math.floor(y);
  const x0 = Math.floor(x);
  const fy = y - y0;
  const fx = x - x0;
  // Hot loop of every geometric corruption: no closures, bounds checked inline.
  const yIn0 = y0 >= 0 && y0 < h;
  const yIn1 = y0 + 1 >= 0 && y0 + 1 < h;
  const xIn0 = x0 >= 0 && x0 < w;
  const xIn1 = x0 + 1 >= 0 && x0 + 1 < w;
  const r0 = y0 * w;
  const r1 = r0 + w;
  const v00 = yIn0 && xIn0 ? img[(r0 + x0) * c + ch] : fill;
  const v01 = yIn0 && xIn1 ? img[(r0 + x0 + 1) * c + ch] : fill;
  const v10 = yIn1 && xIn0 ? img[(r1 + x0) * c + ch] : fill;
  const v11 = yIn1 && xIn1 ? img[(r1 + x0 + 1) * c + ch] : fill;
  return (1 - fy) * ((1 - fx) * v00 + fx * v01) + fy * ((1 - fx) * v10 + fx * v11);
}

/** out(y, x) = img(map(y, x)) with bilinear sampling; `map` returns source [y, x]. */
export function warp(img: Float32Array, h: number, w: number, c: number, map: (y: number, x: number) => [number, number], fill = 0): Float32Array {
  const out = new Float32Array(img.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [sy, sx] = map(y, x);
      for (let ch = 0; ch < c; ch++) out[(y * w + x) * c + ch] = clip01(sampleBilinear(img, h, w, c, sy, sx, ch, fill));
    }
  }
  return out;
}

/** Normalised 1-D Gaussian kernel, radius ceil(3 sigma). */
export function gaussianKernel(sigma: number): Float64Array {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float64Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) s += k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= s;
  return k;
}

/** Separable convolution with `kernel` along rows and columns, edges clamped (replicated). */
export function blurSeparable(img: Float32Array | Float64Array, h: number, w: number, c: number, kernel: Float64Array): Float64Array {
  const r = (kernel.length - 1) / 2;
  const tmp = new Float64Array(img.length);
  const out = new Float64Array(img.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let i = -r; i <= r; i++) s += kernel[i + r] * img[(y * w + Math.min(w - 1, Math.max(0, x + i))) * c + ch];
        tmp[(y * w + x) * c + ch] = s;
      }
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let i = -r; i <= r; i++) s += kernel[i + r] * tmp[(Math.min(h - 1, Math.max(0, y + i)) * w + x) * c + ch];
        out[(y * w + x) * c + ch] = s;
      }
    }
  }
  return out;
}

/** Gaussian blur of one image, clipped to [0, 1]. */
export function gaussianBlur(img: Float32Array, h: number, w: number, c: number, sigma: number): Float32Array {
  return Float32Array.from(blurSeparable(img, h, w, c, gaussianKernel(sigma)), clip01);
}

/** Apply `fn` to each image of a batch [n, h, w, c]; returns a new batch. */
export function mapImages(images: Float32Array, n: number, size: number, fn: (img: Float32Array, i: number) => Float32Array): Float32Array {
  const out = new Float32Array(n * size);
  for (let i = 0; i < n; i++) out.set(fn(images.subarray(i * size, (i + 1) * size), i), i * size);
  return out;
}
