/** Blur family. Sizes are in pixels of a 28-pixel image and scale with the image height. */
import { clip01, gaussianBlur, mapImages, sampleBilinear } from '../image-ops.js';
import { param, type Corruption } from './types.js';

const BLUR_SIGMA = [0.5, 0.8, 1.1, 1.5, 2.0];
/** Motion streak length. */
const MOTION_LENGTH = [3, 5, 7, 9, 12];

export const gaussianBlurCorruption: Corruption = {
  name: 'gaussian-blur',
  family: 'blur',
  description: `Gaussian blur, sigma = ${BLUR_SIGMA.join('/')} px (per 28 px)`,
  apply(images, n, [h, w, c], severity) {
    const sigma = (param(BLUR_SIGMA, severity, this.name) * h) / 28;
    return mapImages(images, n, h * w * c, (img) => gaussianBlur(img, h, w, c, sigma));
  },
};

export const motionBlur: Corruption = {
  name: 'motion-blur',
  family: 'blur',
  description: `mean along a straight streak of ${MOTION_LENGTH.join('/')} px (per 28 px), direction seeded per image`,
  apply(images, n, [h, w, c], severity, rng) {
    const len = (param(MOTION_LENGTH, severity, this.name) * h) / 28;
    // One sample per pixel of streak length, centred on the pixel (edges clamped).
    const taps = Math.max(2, Math.round(len));
    return mapImages(images, n, h * w * c, (img) => {
      const theta = rng.next() * Math.PI;
      const dy = Math.sin(theta);
      const dx = Math.cos(theta);
      const out = new Float32Array(img.length);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          for (let ch = 0; ch < c; ch++) {
            let s = 0;
            for (let t = 0; t < taps; t++) {
              const off = (t / (taps - 1) - 0.5) * (len - 1);
              const sy = Math.min(h - 1, Math.max(0, y + off * dy));
              const sx = Math.min(w - 1, Math.max(0, x + off * dx));
              s += sampleBilinear(img, h, w, c, sy, sx, ch);
            }
            out[(y * w + x) * c + ch] = clip01(s / taps);
          }
        }
      }
      return out;
    });
  },
};

export const BLUR: Corruption[] = [gaussianBlurCorruption, motionBlur];
