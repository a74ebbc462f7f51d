/** Digital family: resampling artefacts. */
import { mapImages } from '../image-ops.js';
import { param, type Corruption } from './types.js';

/** Side of the low-resolution grid as a fraction of the image side. */
const PIXELATE = [0.8, 0.6, 0.45, 0.35, 0.25];

export const pixelate: Corruption = {
  name: 'pixelate',
  family: 'digital',
  description: `box-downsample to ${PIXELATE.join('/')} of the side, then nearest-neighbour upsample`,
  apply(images, n, [h, w, c], severity) {
    const f = param(PIXELATE, severity, this.name);
    const gh = Math.max(1, Math.round(h * f));
    const gw = Math.max(1, Math.round(w * f));
    // Cell of each pixel on the coarse grid; each output pixel takes its cell's mean.
    const cy = Int32Array.from({ length: h }, (_, y) => Math.floor((y * gh) / h));
    const cx = Int32Array.from({ length: w }, (_, x) => Math.floor((x * gw) / w));
    return mapImages(images, n, h * w * c, (img) => {
      const sum = new Float64Array(gh * gw * c);
      const cnt = new Float64Array(gh * gw);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const cell = cy[y] * gw + cx[x];
          cnt[cell]++;
          for (let ch = 0; ch < c; ch++) sum[cell * c + ch] += img[(y * w + x) * c + ch];
        }
      }
      const out = new Float32Array(img.length);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const cell = cy[y] * gw + cx[x];
          for (let ch = 0; ch < c; ch++) out[(y * w + x) * c + ch] = sum[cell * c + ch] / cnt[cell];
        }
      }
      return out;
    });
  },
};

export const DIGITAL: Corruption[] = [pixelate];
