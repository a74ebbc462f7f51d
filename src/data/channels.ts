/**
 * Grey images for an RGB model and RGB images for a grey one, converted as serve, predict and the
 * page convert image files (web/preprocess.js rgbaToPixels): grey to RGB repeats the value, RGB to
 * grey takes the luma 0.299 R + 0.587 G + 0.114 B (the value itself where R = G = B). So eval and
 * calibrate score a model on what it would be served, rather than refusing data the server takes.
 */
import type { ImageShape } from '../types.js';
import type { ImageSet } from './image-set.js';

/** `set` with `channels` channels (1 or 3), or undefined when it has them already or cannot be converted. */
export function convertChannels(set: ImageSet, channels: number): ImageSet | undefined {
  const [h, w, c] = set.shape;
  if (c === channels || !((c === 1 && channels === 3) || (c === 3 && channels === 1))) return undefined;
  const pixels = set.labels.length * h * w;
  const out = new Float32Array(pixels * channels);
  const x = set.images;
  if (channels === 3) {
    for (let p = 0; p < pixels; p++) out[3 * p] = out[3 * p + 1] = out[3 * p + 2] = x[p];
  } else {
    for (let p = 0; p < pixels; p++) {
      const [r, g, b] = [x[3 * p], x[3 * p + 1], x[3 * p + 2]];
      out[p] = r === g && g === b ? r : 0.299 * r + 0.587 * g + 0.114 * b;
    }
  }
  return { ...set, images: out, shape: [h, w, channels] as ImageShape };
}
