import { decodeForModel, type ImageFormat } from '../image/index.js';
import type { ImageShape } from '../types.js';
import { REQUEST_BODY, toBadInput } from './image-guard.js';

/**
 * A request body's image → one float image [h, w, c] in [0, 1] for the model, through the image
 * room (header and pixel limit first, then sharp, the shared resize and channel conversion), its
 * refusals as 4xx: 413 over `maxPixels`, 400 for what is not a valid image of `format`.
 */
export async function decodeImage(bytes: Uint8Array, format: ImageFormat, shape: ImageShape, maxPixels = Infinity): Promise<Float32Array> {
  try {
    return await decodeForModel(bytes, shape, { format, maxPixels, source: REQUEST_BODY });
  } catch (err) {
    throw toBadInput(err);
  }
}
