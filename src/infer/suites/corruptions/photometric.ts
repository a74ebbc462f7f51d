/** Photometric family: global intensity changes. */
import { clip01, mapImages } from '../image-ops.js';
import { param, type Corruption } from './types.js';

/** Contrast kept around each image's mean. */
const CONTRAST = [0.6, 0.45, 0.3, 0.2, 0.1];
/** Intensity added (all channels, clipped). */
const BRIGHTNESS = [0.1, 0.2, 0.3, 0.4, 0.5];

export const contrast: Corruption = {
  name: 'contrast',
  family: 'photometric',
  description: `(x - mean) * k + mean per image, k = ${CONTRAST.join('/')}`,
  apply(images, n, [h, w, c], severity) {
    const k = param(CONTRAST, severity, this.name);
    return mapImages(images, n, h * w * c, (img) => {
      let m = 0;
      for (const v of img) m += v;
      m /= img.length;
      return img.map((v) => clip01((v - m) * k + m));
    });
  },
};

export const brightness: Corruption = {
  name: 'brightness',
  family: 'photometric',
  description: `x + b, b = ${BRIGHTNESS.join('/')}`,
  apply(images, _n, _shape, severity) {
    const b = param(BRIGHTNESS, severity, this.name);
    return images.map((v) => clip01(v + b));
  },
};

export const PHOTOMETRIC: Corruption[] = [contrast, brightness];
