/**
 * Elastic deformation (Simard et al. 2003, as in MNIST-C): a random displacement field, smoothed
 * with a Gaussian, scaled so its largest displacement is the severity's amplitude in pixels.
 * One field shape per image; severity only scales it, so distortion grows with severity.
 */
import { blurSeparable, gaussianKernel, mapImages, warp } from '../image-ops.js';
import { param, type Corruption } from './types.js';

/** Largest displacement in pixels per 28 px. */
const AMPLITUDE = [1, 1.75, 2.5, 3.25, 4];
/** Smoothness of the field in pixels per 28 px. */
const SMOOTH_SIGMA = 3;

export const elastic: Corruption = {
  name: 'elastic',
  family: 'geometric',
  description: `smoothed random displacement (sigma ${SMOOTH_SIGMA} px), largest shift ${AMPLITUDE.join('/')} px (per 28 px)`,
  apply(images, n, [h, w, c], severity, rng) {
    const amp = (param(AMPLITUDE, severity, this.name) * h) / 28;
    const kernel = gaussianKernel((SMOOTH_SIGMA * h) / 28);
    return mapImages(images, n, h * w * c, (img) => {
      // Two-channel field [h, w, 2]: (dy, dx).
      const raw = Float64Array.from({ length: h * w * 2 }, () => rng.next() * 2 - 1);
      const field = blurSeparable(raw, h, w, 2, kernel);
      let m = 0;
      for (const v of field) m = Math.max(m, Math.abs(v));
      const k = m > 0 ? amp / m : 0;
      return warp(img, h, w, c, (y, x) => [y + k * field[(y * w + x) * 2], x + k * field[(y * w + x) * 2 + 1]]);
    });
  },
};

export const ELASTIC: Corruption[] = [elastic];
