import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import type { ImageShape } from '../types.js';
import { rgbaToPixels } from '../../web/preprocess.js';
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

/** Decode bytes whose header admitImage has checked (so the decoder allocates only for the model's size). */
function decodeRgba(bytes: Uint8Array, format: ImageFormat, source: ImageSource): Rgba {
  try {
    if (format === 'png') {
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
 * over black (the background of MNIST-style data). No resizing: the size must match the model's.
 * The header is read first (admitImage): an image declaring more than `maxPixels` pixels (413) or
 * another size than the model's (400) is refused before the decoder allocates anything.
 */
export function decodeImage(
  bytes: Uint8Array,
  format: ImageFormat,
  shape: ImageShape,
  maxPixels = Infinity,
  source: ImageSource = REQUEST_BODY,
): Float32Array {
  const [h, w, c] = shape;
  admitImage(bytes, format, { maxPixels, size: { width: w, height: h }, source });
  if (c !== 1 && c !== 3) {
    throw new BadInput(400, 'unsupported_channels', `the model takes ${c} channels; only 1 (gray) and 3 (RGB) models accept image bodies, send raw arrays as JSON instead`);
  }
  const img = decodeRgba(bytes, format, source);
  if (img.width !== w || img.height !== h) throw new BadInput(400, 'wrong_size', `the image decodes to ${img.width}x${img.height} pixels although its header says ${w}x${h}; send an intact file`);
  return rgbaToFloat(img.data, h * w, c);
}

/**
 * RGBA bytes [n, 4] → float [n, c] in [0, 1] (c = 1 or 3), alpha composited over black: the web
 * page's own function, so the page and the server convert pixels with the same code.
 */
export const rgbaToFloat: (data: Uint8Array, pixels: number, c: number) => Float32Array = rgbaToPixels;
