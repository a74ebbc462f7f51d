import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { checkPngData } from '../data/image-file.js';
import type { ImageShape } from '../types.js';
import { imageToPixels, rgbaToPixels } from '../../web/preprocess.js';
import { BadInput } from './errors.js';
import { admitImage, REQUEST_BODY, type ImageSource } from './image-guard.js';

/** Image formats POST /v1/predict accepts as raw bodies, by content type. */
export const IMAGE_TYPES = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
} as const;

export type ImageFormat = (typeof IMAGE_TYPES)[keyof typeof IMAGE_TYPES];

/** Decoded 8-bit pixels, always RGBA as both decoders produce. */
interface Rgba {
  width: number;
  height: number;
  data: Uint8Array; // [height, width, 4]
}

/** Decode bytes whose header admitImage has checked (so the decoder allocates at most maxPixels). */
function decodeRgba(bytes: Uint8Array, format: ImageFormat, source: ImageSource): Rgba {
  try {
    if (format === 'png') {
      checkPngData(bytes);
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: png.data };
    }
    // Belt and braces: the header was checked, but jpeg-js's own caps stay on.
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 64, maxMemoryUsageInMB: 256 });
    return { width: img.width, height: img.height, data: img.data };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new BadInput(400, 'not_an_image', `${source.subject} is not a valid ${format.toUpperCase()} image (${why}); ${source.resend(format)}`);
  }
}

/**
 * Decode PNG or JPEG bytes into one float image [h, w, c] in [0, 1] with the model's channel
 * count. Gray → RGB repeats the gray value; RGB → gray uses ITU-R BT.601 luma (0.299 R + 0.587 G +
 * 0.114 B), and pixels with R = G = B keep their exact value. Transparent pixels are composited
 * over black (the background of MNIST-style data). An image of any size is resized to the model's
 * with the web page's own code (imageToPixels: the shared bilinear resize on the RGBA bytes, then
 * the channel conversion), so the page and the server give the same tensor for the same file.
 * The header is read first (admitImage): an image declaring more than `maxPixels` pixels is
 * refused (413) before the decoder allocates anything.
 */
export function decodeImage(
  bytes: Uint8Array,
  format: ImageFormat,
  shape: ImageShape,
  maxPixels = Infinity,
  source: ImageSource = REQUEST_BODY,
): Float32Array {
  const c = shape[2];
  const header = admitImage(bytes, format, { maxPixels, source });
  if (c !== 1 && c !== 3) {
    throw new BadInput(400, 'unsupported_channels', `the model takes ${c} channels; only 1 (gray) and 3 (RGB) models accept image bodies, send raw arrays as JSON instead`);
  }
  const img = decodeRgba(bytes, format, source);
  if (img.width !== header.width || img.height !== header.height) {
    throw new BadInput(400, 'wrong_size', `${source.subject} decodes to ${img.width}x${img.height} pixels although its header says ${header.width}x${header.height}; ${source.resend(format)}`);
  }
  return imageToPixels(img.data, img.height, img.width, shape);
}

/**
 * RGBA bytes [n, 4] → float [n, c] in [0, 1] (c = 1 or 3), alpha composited over black: the web
 * page's own function, so the page and the server convert pixels with the same code.
 */
export const rgbaToFloat: (data: Uint8Array, pixels: number, c: number) => Float32Array = rgbaToPixels;
