import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import type { ImageShape } from '../types.js';
import { BadInput } from './errors.js';

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

const SIGNATURES: Record<ImageFormat, number[]> = { png: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], jpeg: [0xff, 0xd8, 0xff] };

function decodeRgba(bytes: Uint8Array, format: ImageFormat): Rgba {
  if (!SIGNATURES[format].every((b, i) => bytes[i] === b)) {
    const what = bytes.length === 0 ? 'is empty' : `does not start with the ${format.toUpperCase()} signature`;
    throw new BadInput(400, 'not_an_image', `the request body ${what}, so it is not a ${format.toUpperCase()} image; send the file's bytes with content-type image/${format}`);
  }
  try {
    if (format === 'png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: png.data };
    }
    // Cap memory so a hostile header (e.g. 60000x60000) fails fast instead of allocating gigabytes.
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 64, maxMemoryUsageInMB: 256 });
    return { width: img.width, height: img.height, data: img.data };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new BadInput(400, 'not_an_image', `the request body is not a valid ${format.toUpperCase()} image (${why}); send the file's bytes with content-type image/${format}`);
  }
}

/**
 * Decode PNG or JPEG bytes into one float image [h, w, c] in [0, 1] with the model's channel
 * count. Gray → RGB repeats the gray value; RGB → gray uses ITU-R BT.601 luma (0.299 R + 0.587 G +
 * 0.114 B), and pixels with R = G = B keep their exact value. Transparent pixels are composited
 * over black (the background of MNIST-style data). No resizing: the size must match the model's.
 */
export function decodeImage(bytes: Uint8Array, format: ImageFormat, shape: ImageShape): Float32Array {
  const [h, w, c] = shape;
  const img = decodeRgba(bytes, format);
  if (img.width !== w || img.height !== h) {
    throw new BadInput(
      400,
      'wrong_size',
      `the image is ${img.width}x${img.height} pixels but the model takes ${w}x${h} (width x height); resize it to ${w}x${h} before sending`,
    );
  }
  if (c !== 1 && c !== 3) {
    throw new BadInput(400, 'unsupported_channels', `the model takes ${c} channels; only 1 (gray) and 3 (RGB) models accept image bodies, send raw arrays as JSON instead`);
  }
  return rgbaToFloat(img.data, h * w, c);
}

/** RGBA bytes [n, 4] → float [n, c] in [0, 1] (c = 1 or 3), alpha composited over black. */
export function rgbaToFloat(data: Uint8Array, pixels: number, c: 1 | 3 | number): Float32Array {
  const out = new Float32Array(pixels * c);
  for (let p = 0; p < pixels; p++) {
    const r = data[4 * p];
    const g = data[4 * p + 1];
    const b = data[4 * p + 2];
    const a = data[4 * p + 3] / 255;
    if (c === 1) {
      const y = r === g && g === b ? r : 0.299 * r + 0.587 * g + 0.114 * b;
      out[p] = (y / 255) * a;
    } else {
      out[3 * p] = (r / 255) * a;
      out[3 * p + 1] = (g / 255) * a;
      out[3 * p + 2] = (b / 255) * a;
    }
  }
  return out;
}
