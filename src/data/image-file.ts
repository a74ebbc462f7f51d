/**
 * PNG and JPEG files on disk: the header facts a folder scan needs (size, grey or colour) read
 * without decoding, and full decoding to RGBA bytes with pngjs and jpeg-js. Errors are plain
 * Errors saying what is wrong with the bytes; callers add the file name.
 */
import * as zlib from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

export type ImageFileFormat = 'png' | 'jpeg';

/** File name endings read as images (lower-cased before the check). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg'];

export interface ImageHeader {
  format: ImageFileFormat;
  width: number;
  height: number;
  /** The file stores one grey channel (PNG colour types 0 and 4, one-component JPEG). */
  grey: boolean;
}

export interface RgbaImage {
  width: number;
  height: number;
  /** [height, width, 4] bytes. */
  data: Uint8Array;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function sniffFormat(bytes: Uint8Array): ImageFileFormat | undefined {
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

/** Size and colour of a PNG or JPEG from its header; throws if the bytes are neither. */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  const format = sniffFormat(bytes);
  if (!format) throw new Error(bytes.length === 0 ? 'the file is empty' : 'neither the PNG nor the JPEG signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (format === 'png') {
    // The first chunk must be IHDR: length, "IHDR", width, height, bit depth, colour type.
    if (bytes.length < 33 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') throw new Error('PNG without an IHDR header (truncated?)');
    const width = view.getUint32(16);
    const height = view.getUint32(20);
    const colorType = bytes[25];
    return checked({ format, width, height, grey: colorType === 0 || colorType === 4 });
  }
  // JPEG: walk the marker segments to the first start-of-frame.
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) throw new Error(`JPEG marker expected at byte ${at}`);
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    const len = view.getUint16(at + 2);
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (at + 10 > bytes.length) break;
      const height = view.getUint16(at + 5);
      const width = view.getUint16(at + 7);
      return checked({ format, width, height, grey: bytes[at + 9] === 1 });
    }
    if (marker === 0xda || marker === 0xd9) break; // scan data or the end before any frame header
    at += 2 + len;
  }
  throw new Error('JPEG without a frame header (truncated?)');
}

function checked(h: ImageHeader): ImageHeader {
  if (!(h.width >= 1 && h.height >= 1)) throw new Error(`${h.format.toUpperCase()} header gives ${h.width}x${h.height} pixels`);
  return h;
}

/** Samples per pixel of each PNG colour type. */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Adam7 passes: [x0, y0, dx, dy]. */
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];

/**
 * Throws unless the PNG's IDAT stream inflates completely to the bytes its header needs. pngjs
 * does not check this: a truncated stream leaves the tail of its buffer as whatever memory held,
 * which then decodes to a random image or a random error. Costs one more inflate of the data.
 */
export function checkPngData(bytes: Uint8Array): void {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const idat: Buffer[] = [];
  for (let at = 8; at + 8 <= buf.length; ) {
    const len = buf.readUInt32BE(at);
    if (buf.toString('latin1', at + 4, at + 8) === 'IDAT') idat.push(buf.subarray(at + 8, Math.min(buf.length, at + 8 + len)));
    at += 12 + len;
  }
  if (buf.length < 29) throw new Error('PNG without an IHDR header (truncated?)');
  const width = buf.readUInt32BE(16);
  const height = buf.readUInt32BE(20);
  const bits = (PNG_CHANNELS[buf[25]] ?? 4) * buf[24];
  const rowBytes = (w: number) => (w > 0 ? Math.ceil((w * bits) / 8) + 1 : 0);
  const need =
    buf[28] === 1
      ? ADAM7.reduce((s, [x0, y0, dx, dy]) => s + rowBytes(Math.ceil((width - x0) / dx)) * Math.max(0, Math.ceil((height - y0) / dy)), 0)
      : rowBytes(width) * height;
  let got: number;
  try {
    got = zlib.inflateSync(Buffer.concat(idat), { maxOutputLength: Math.max(1, need) }).length;
  } catch (e) {
    // More data than the header needs is pngjs's business (it ignores the rest); less is not.
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return;
    throw new Error(`the image data ends early (truncated?): ${(e as Error).message}`);
  }
  if (got < need) throw new Error(`the image data ends early (truncated?): ${got} of ${need} bytes`);
}

/** Decode to RGBA bytes; throws when the file is damaged or not a PNG/JPEG. */
export function decodeImageFile(bytes: Uint8Array): RgbaImage {
  const header = readImageHeader(bytes);
  let img: RgbaImage;
  if (header.format === 'png') {
    checkPngData(bytes);
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    img = { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
  } else {
    // Memory caps so a hostile header fails fast instead of allocating gigabytes.
    const j = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 100, maxMemoryUsageInMB: 1024 });
    img = { width: j.width, height: j.height, data: j.data };
  }
  if (img.width !== header.width || img.height !== header.height || img.data.length !== img.width * img.height * 4) {
    throw new Error(`decoded ${img.width}x${img.height} pixels but the header says ${header.width}x${header.height}`);
  }
  return img;
}
