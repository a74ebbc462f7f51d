/**
 * The one image header reader: an image's declared size and samples without decoding it, so a
 * decompression bomb (a few bytes declaring 20000x20000) is refused before a decoder allocates for
 * it. PNG: the IHDR chunk, which the format requires first. JPEG: every frame header (SOFn) in the
 * file, entropy-coded data skipped, since a decoder may act on a later frame than the first. Both
 * are read here, synchronously and strictly; the other formats' headers come from sharp's
 * metadata(), which reads the header only.
 */
import sharp, { type Metadata } from 'sharp';
import { IMAGE_FORMATS, PNG_SIGNATURE, sniffFormat, type ImageFormat } from './formats.js';

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
  /** Samples per pixel as stored: PNG gray 1, gray+alpha 2, RGB and palette 3, RGBA 4; JPEG components; others as sharp reports them. */
  channels: number;
  /** Bits per sample (PNG bit depth, JPEG precision). */
  bitDepth: number;
}

/** Why a header could not be read; `kind` lets callers tell "not this format" from "broken". */
export class ImageHeaderError extends Error {
  constructor(
    readonly kind: 'signature' | 'truncated' | 'malformed' | 'unsupported',
    message: string,
  ) {
    super(message);
    this.name = 'ImageHeaderError';
  }
}

/** PNG colour type → channels and the bit depths the specification allows for it. */
const PNG_COLOR_TYPES: Record<number, { channels: number; depths: number[] }> = {
  0: { channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { channels: 3, depths: [8, 16] },
  3: { channels: 3, depths: [1, 2, 4, 8] },
  4: { channels: 2, depths: [8, 16] },
  6: { channels: 4, depths: [8, 16] },
};
const PNG_MAX_DIM = 2 ** 31 - 1;

function u16(b: Uint8Array, i: number): number {
  return (b[i] << 8) | b[i + 1];
}

function u32(b: Uint8Array, i: number): number {
  return ((b[i] << 24) >>> 0) + ((b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]);
}

/** The IHDR fields of a PNG file: 8-byte signature, then a 13-byte IHDR chunk. */
export function readPngHeader(b: Uint8Array): ImageHeader {
  if (b.length < PNG_SIGNATURE.length || !PNG_SIGNATURE.every((v, i) => b[i] === v)) {
    throw new ImageHeaderError('signature', 'it does not start with the PNG signature');
  }
  if (b.length < 8 + 8 + 13) throw new ImageHeaderError('truncated', `it ends after ${b.length} bytes, inside the IHDR header`);
  const length = u32(b, 8);
  const type = String.fromCharCode(b[12], b[13], b[14], b[15]);
  if (type !== 'IHDR') throw new ImageHeaderError('malformed', `its first chunk is '${type.replace(/[^\x20-\x7e]/g, '?')}', not IHDR`);
  if (length !== 13) throw new ImageHeaderError('malformed', `its IHDR chunk is ${length} bytes long, not 13`);
  const width = u32(b, 16);
  const height = u32(b, 20);
  const bitDepth = b[24];
  const colorType = b[25];
  if (width === 0 || height === 0 || width > PNG_MAX_DIM || height > PNG_MAX_DIM) {
    throw new ImageHeaderError('malformed', `its IHDR declares ${width}x${height} pixels; width and height must be 1..${PNG_MAX_DIM}`);
  }
  const ct = PNG_COLOR_TYPES[colorType];
  if (!ct) throw new ImageHeaderError('malformed', `its IHDR declares colour type ${colorType}; PNG has 0, 2, 3, 4 and 6`);
  if (!ct.depths.includes(bitDepth)) throw new ImageHeaderError('malformed', `its IHDR declares bit depth ${bitDepth}, not allowed with colour type ${colorType}`);
  if (b[26] !== 0 || b[27] !== 0 || b[28] > 1) throw new ImageHeaderError('malformed', 'its IHDR declares an unknown compression, filter or interlace method');
  return { format: 'png', width, height, channels: ct.channels, bitDepth };
}

/** SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range. */
function isSof(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** Markers without a length field: TEM, RST0..7, SOI, EOI. */
function standalone(marker: number): boolean {
  return marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9);
}

/**
 * The frame header of a JPEG file. Walks every marker segment (and skips the entropy-coded data
 * after each scan, where 0xFF is followed by 0x00 stuffing or a restart marker), so a file that
 * declares a small first frame and a huge second one is seen for what it is.
 */
export function readJpegHeader(b: Uint8Array): ImageHeader {
  if (b.length < 3 || b[0] !== 0xff || b[1] !== 0xd8 || b[2] !== 0xff) {
    throw new ImageHeaderError('signature', 'it does not start with the JPEG signature');
  }
  const frames: ImageHeader[] = [];
  let i = 2;
  let afterScan = false;
  while (i < b.length) {
    if (afterScan) {
      // Entropy-coded data: find the next real marker.
      if (b[i] !== 0xff || b[i + 1] === 0x00 || (b[i + 1] >= 0xd0 && b[i + 1] <= 0xd7) || i + 1 >= b.length) {
        i++;
        continue;
      }
    } else if (b[i] !== 0xff) {
      throw new ImageHeaderError('malformed', `byte ${i} should start a marker (0xFF) but is 0x${b[i].toString(16).padStart(2, '0')}`);
    }
    while (i < b.length && b[i] === 0xff) i++; // fill bytes
    if (i >= b.length) break;
    const marker = b[i++];
    afterScan = false;
    if (marker === 0xd9) break; // end of image
    if (marker === 0xd8) throw new ImageHeaderError('malformed', `a second start-of-image marker at byte ${i - 2}`);
    if (standalone(marker)) continue;
    if (i + 2 > b.length) break;
    const length = u16(b, i);
    if (length < 2) throw new ImageHeaderError('malformed', `the segment of marker 0x${marker.toString(16)} at byte ${i - 2} has length ${length}`);
    if (isSof(marker)) {
      if (length < 8 || i + 8 > b.length) throw new ImageHeaderError('truncated', `its frame header at byte ${i - 2} is cut short`);
      const frame: ImageHeader = { format: 'jpeg', bitDepth: b[i + 2], height: u16(b, i + 3), width: u16(b, i + 5), channels: b[i + 7] };
      if (frame.width === 0 || frame.height === 0) {
        throw new ImageHeaderError('malformed', `its frame header declares ${frame.width}x${frame.height} pixels (a height given later by a DNL marker is not supported)`);
      }
      if (frame.channels === 0 || length < 8 + 3 * frame.channels) throw new ImageHeaderError('malformed', `its frame header declares ${frame.channels} components in ${length} bytes`);
      frames.push(frame);
    } else if (marker === 0xda) {
      if (frames.length === 0) throw new ImageHeaderError('malformed', 'its scan data starts before any frame header (SOF)');
      afterScan = true;
    }
    i += length;
  }
  if (frames.length === 0) throw new ImageHeaderError('truncated', 'it has no frame header (SOF marker), so its size is unknown');
  if (frames.length > 1) {
    const sizes = frames.map((f) => `${f.width}x${f.height}`).join(', ');
    throw new ImageHeaderError('malformed', `it declares ${frames.length} frames (${sizes}); only single-frame JPEGs are accepted`);
  }
  return frames[0];
}

/** The image stores one grey channel (with or without alpha). */
export function isGrey(header: ImageHeader): boolean {
  return header.channels <= 2;
}

const SHARP_DEPTH_BITS: Record<string, number> = { uchar: 8, char: 8, ushort: 16, short: 16, uint: 32, int: 32, float: 32, double: 64 };

/** A header from sharp's metadata() (header only, no pixels), for the formats not parsed here. */
async function sharpHeader(bytes: Uint8Array, format: ImageFormat): Promise<ImageHeader> {
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { pages: 1 }).metadata();
  } catch (err) {
    throw new ImageHeaderError('malformed', `its header does not read (${err instanceof Error ? err.message : String(err)})`);
  }
  const { width, height } = meta;
  if (!width || !height) throw new ImageHeaderError('malformed', `its header gives no size (${width}x${height})`);
  // An animation's metadata height is one page's height unless asked for every page, which we do not.
  return { format, width, height, channels: meta.channels ?? 3, bitDepth: SHARP_DEPTH_BITS[meta.depth ?? 'uchar'] ?? 8 };
}

/**
 * The declared size of an image: of `format` when the sender declared one (a content type), else
 * of whatever its signature says. Throws ImageHeaderError: 'signature' for bytes that are not (that
 * kind of) image, 'unsupported' for a format the decoder does not read, 'truncated'/'malformed'.
 */
export async function readImageHeader(bytes: Uint8Array, format?: ImageFormat): Promise<ImageHeader> {
  const sniffed = sniffFormat(bytes);
  const want = format ?? sniffed;
  if (!want) throw new ImageHeaderError('signature', bytes.length === 0 ? 'it is empty' : 'its first bytes match no known image signature');
  if (want === 'png') return readPngHeader(bytes);
  if (want === 'jpeg') return readJpegHeader(bytes);
  const label = IMAGE_FORMATS[want].label;
  if (sniffed !== want) throw new ImageHeaderError('signature', `it does not start with the ${label} signature`);
  if (!IMAGE_FORMATS[want].decodable) throw new ImageHeaderError('unsupported', `it is a ${label} file, which icmix's decoder (sharp/libvips) does not read`);
  return sharpHeader(bytes, want);
}
