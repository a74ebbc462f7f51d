/**
 * The one image decoder: any format sharp (libvips with libjpeg-turbo's mozjpeg fork, libpng,
 * libwebp, giflib, libtiff, libaom) reads, to 8-bit sRGB RGBA bytes. The rules, chosen to give
 * PIL's pixels (test/image/decode.test.ts checks them against PIL):
 *  - EXIF orientation is applied (the photo is turned upright, as PIL's ImageOps.exif_transpose,
 *    torchvision's decode_image and browsers do);
 *  - embedded ICC profiles are ignored (PIL and the page's createImageBitmap with
 *    colorSpaceConversion 'none' ignore them too);
 *  - CMYK is converted without a profile, by PIL's own rule, R = (255 - K)(255 - C) / 255;
 *  - 16-bit samples keep their high byte, as PIL reads 16-bit PNGs;
 *  - an animation or a multi-page TIFF gives its first frame.
 * The header is read and checked against the pixel limit first (guard.ts), and sharp's own
 * limitInputPixels stays on behind it.
 */
import sharp from 'sharp';
import type { ImageShape } from '../types.js';
import { imageToPixels } from '../../web/preprocess.js';
import { ImageError, IMAGE_FILE, withHint } from './errors.js';
import { IMAGE_FORMATS } from './formats.js';
import { admitImage, type ImageAdmission } from './guard.js';
import type { ImageHeader } from './header.js';

/** What GET /v1/model and the README say about decoding. */
export const IMAGE_DECODER = {
  library: `sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips})`,
  orientation: 'EXIF orientation applied (turned upright)',
  colour: 'embedded ICC profiles ignored; CMYK converted as PIL converts it; 16-bit samples keep their high byte',
  frames: 'the first frame of an animation or multi-page file',
} as const;

export interface RgbaImage {
  width: number;
  height: number;
  /** [height, width, 4] bytes. */
  data: Uint8Array;
  /** What the file's header declared (size as stored, before any EXIF turn; samples, depth). */
  header: ImageHeader;
}

/** PIL's cmyk2rgb: (255 - K) - C (255 - K) / 255 with its rounding, per colour. */
function cmykToRgba(cmyk: Uint8Array, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels * 4);
  const mulDiv255 = (a: number, b: number) => {
    const t = a * b + 128;
    return ((t >> 8) + t) >> 8;
  };
  for (let p = 0; p < pixels; p++) {
    const nk = 255 - cmyk[4 * p + 3];
    for (let i = 0; i < 3; i++) out[4 * p + i] = Math.max(0, nk - mulDiv255(cmyk[4 * p + i], nk));
    out[4 * p + 3] = 255;
  }
  return out;
}

/** Decode to RGBA bytes, refusing what admitImage refuses; throws ImageError. */
export async function decodeImage(bytes: Uint8Array, rules: ImageAdmission = {}): Promise<RgbaImage> {
  const source = rules.source ?? IMAGE_FILE;
  const header = await admitImage(bytes, rules);
  const label = IMAGE_FORMATS[header.format].label;
  const limit = rules.maxPixels !== undefined && Number.isFinite(rules.maxPixels) ? rules.maxPixels : false;
  // failOn 'warning': a truncated or damaged file is an error, never a partly grey image.
  const open = () => sharp(bytes, { limitInputPixels: limit, failOn: 'warning', ignoreIcc: true, pages: 1 });
  let img: Omit<RgbaImage, 'header'>;
  try {
    // Only a four-sample file other than PNG (RGBA) can be CMYK; ask the header which.
    const cmyk = header.channels === 4 && header.format !== 'png' && (await open().metadata()).space === 'cmyk';
    if (cmyk) {
      const { data, info } = await open().pipelineColourspace('cmyk').rotate().toColourspace('cmyk').raw().toBuffer({ resolveWithObject: true });
      img = { width: info.width, height: info.height, data: cmykToRgba(data, info.width * info.height) };
    } else {
      const { data, info } = await open().rotate().toColourspace('srgb').ensureAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
      if (info.channels !== 4) throw new Error(`the decoder gave ${info.channels} channels, not RGBA`);
      img = { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
    }
  } catch (err) {
    throw new ImageError('damaged', withHint(`${source.subject} is not a valid ${label} image (${damageReason(err)})`, source.resend(label)));
  }
  // Orientations 5-8 swap width and height.
  const turned = img.width === header.height && img.height === header.width && header.width !== header.height;
  if (!(img.width === header.width && img.height === header.height) && !turned) {
    throw new ImageError('damaged', withHint(`${source.subject} decodes to ${img.width}x${img.height} pixels although its header says ${header.width}x${header.height}`, source.resend(label)));
  }
  return { ...img, header };
}

/** libvips' words for a file cut short, in the words the rest of icmix uses. */
function damageReason(err: unknown): string {
  const why = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
  return /premature end|truncat|read error|unexpected end|not enough data|short read/i.test(why) ? `the image data ends early (truncated?): ${why}` : why;
}

/**
 * Decode and prepare for a model of shape [h, w, c]: the shared bilinear resize (web/resize.js)
 * to h x w on the RGBA bytes, then grey by BT.601 luma or RGB, alpha over black
 * (web/preprocess.js's imageToPixels, which the page calls too). Float [h*w*c] in [0, 1].
 */
export async function decodeForModel(bytes: Uint8Array, shape: ImageShape, rules: ImageAdmission = {}): Promise<Float32Array> {
  const c = shape[2];
  if (c !== 1 && c !== 3) {
    throw new ImageError('channels', `the model takes ${c} channels; only 1 (grey) and 3 (RGB) models take images, so send raw arrays instead`);
  }
  const img = await decodeImage(bytes, rules);
  return imageToPixels(img.data, img.height, img.width, shape);
}

/** Images decoded at once by mapLimited: sharp's own thread pool is 4 wide, and each image in flight holds its full-size pixels. */
export const DECODE_CONCURRENCY = 4;

/** `fn` over `items`, at most `limit` at a time, results in order. */
export async function mapLimited<T, R>(items: readonly T[], fn: (item: T) => Promise<R>, limit = DECODE_CONCURRENCY): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
