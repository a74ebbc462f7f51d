/**
 * Geometric family (MNIST-C style affine transforms), bilinear, outside pixels read 0. Random
 * directions are drawn per image from the seeded Rng, magnitudes fixed by the severity.
 */
import { mapImages, warp } from '../image-ops.js';
import { param, type Corruption } from './types.js';

const ROTATE_DEG = [8, 16, 24, 35, 50];
/** Shift as a fraction of the image side. */
const TRANSLATE = [0.05, 0.1, 0.15, 0.2, 0.27];
/** Zoom-in factor about the centre. */
const ZOOM = [1.12, 1.25, 1.4, 1.6, 1.85];

export const rotate: Corruption = {
  name: 'rotate',
  family: 'geometric',
  description: `rotation by ±${ROTATE_DEG.join('/')} degrees about the centre (sign seeded per image)`,
  apply(images, n, [h, w, c], severity, rng) {
    const deg = param(ROTATE_DEG, severity, this.name);
    const cy = (h - 1) / 2;
    const cx = (w - 1) / 2;
    return mapImages(images, n, h * w * c, (img) => {
      const a = ((rng.next() < 0.5 ? -1 : 1) * deg * Math.PI) / 180;
      const cos = Math.cos(a);
      const sin = Math.sin(a);
      // Inverse map: rotate output coordinates back by -a.
      return warp(img, h, w, c, (y, x) => [cy + (y - cy) * cos - (x - cx) * sin, cx + (y - cy) * sin + (x - cx) * cos]);
    });
  },
};

export const translate: Corruption = {
  name: 'translate',
  family: 'geometric',
  description: `shift by ${TRANSLATE.join('/')} of the side in a direction seeded per image`,
  apply(images, n, [h, w, c], severity, rng) {
    const f = param(TRANSLATE, severity, this.name);
    return mapImages(images, n, h * w * c, (img) => {
      const theta = rng.next() * 2 * Math.PI;
      const ty = Math.sin(theta) * f * h;
      const tx = Math.cos(theta) * f * w;
      return warp(img, h, w, c, (y, x) => [y - ty, x - tx]);
    });
  },
};

export const zoom: Corruption = {
  name: 'zoom',
  family: 'geometric',
  description: `zoom in about the centre by ${ZOOM.join('/')}x (edges cropped)`,
  apply(images, n, [h, w, c], severity) {
    const s = param(ZOOM, severity, this.name);
    const cy = (h - 1) / 2;
    const cx = (w - 1) / 2;
    return mapImages(images, n, h * w * c, (img) => warp(img, h, w, c, (y, x) => [cy + (y - cy) / s, cx + (x - cx) / s]));
  },
};

export const GEOMETRIC: Corruption[] = [rotate, translate, zoom];
