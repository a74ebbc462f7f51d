/**
 * The image formats icmix knows, one entry each: how the file starts, the name endings a folder
 * is searched for, the content type a client sends, and whether the decoder (sharp, libvips) reads
 * it. Adding a format is one entry here (and a fixture in test/image/).
 */

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif' | 'tiff' | 'avif' | 'bmp';

export interface ImageFormatEntry {
  /** As people write it: 'PNG', 'WebP'. */
  label: string;
  /** Lower-case file name endings, with the dot. */
  extensions: readonly string[];
  /** The content type of a raw request body. */
  mime: string;
  /** Whether the file starts like this format. */
  matches(bytes: Uint8Array): boolean;
  /** False for formats recognised only to say why they are refused (sharp's prebuilt libvips lacks them). */
  decodable: boolean;
}

const ascii = (bytes: Uint8Array, at: number, text: string): boolean => {
  if (bytes.length < at + text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
};

/** ISO-BMFF 'ftyp' box whose major or compatible brands include one of `brands`. */
const ftypBrand = (bytes: Uint8Array, brands: readonly string[]): boolean => {
  if (!ascii(bytes, 4, 'ftyp')) return false;
  const size = ((bytes[0] << 24) >>> 0) + ((bytes[1] << 16) | (bytes[2] << 8) | bytes[3]);
  const end = Math.min(size, bytes.length);
  for (let at = 8; at + 4 <= end; at += at === 8 ? 8 : 4) if (brands.some((b) => ascii(bytes, at, b))) return true; // skips minor_version
  return false;
};

export const PNG_SIGNATURE: readonly number[] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export const IMAGE_FORMATS: Readonly<Record<ImageFormat, ImageFormatEntry>> = {
  png: { label: 'PNG', extensions: ['.png'], mime: 'image/png', decodable: true, matches: (b) => b.length >= 8 && PNG_SIGNATURE.every((v, i) => b[i] === v) },
  jpeg: { label: 'JPEG', extensions: ['.jpg', '.jpeg'], mime: 'image/jpeg', decodable: true, matches: (b) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  webp: { label: 'WebP', extensions: ['.webp'], mime: 'image/webp', decodable: true, matches: (b) => ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP') },
  gif: { label: 'GIF', extensions: ['.gif'], mime: 'image/gif', decodable: true, matches: (b) => ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a') },
  tiff: { label: 'TIFF', extensions: ['.tif', '.tiff'], mime: 'image/tiff', decodable: true, matches: (b) => ascii(b, 0, 'II*\0') || ascii(b, 0, 'MM\0*') },
  avif: { label: 'AVIF', extensions: ['.avif'], mime: 'image/avif', decodable: true, matches: (b) => ftypBrand(b, ['avif', 'avis']) },
  // sharp's prebuilt libvips has no BMP loader; the file is named for what it is and refused.
  bmp: { label: 'BMP', extensions: ['.bmp'], mime: 'image/bmp', decodable: false, matches: (b) => ascii(b, 0, 'BM') && b.length >= 26 },
};

const FORMAT_NAMES = Object.keys(IMAGE_FORMATS) as ImageFormat[];

/** The formats the decoder reads, in table order. */
export const DECODABLE_FORMATS: readonly ImageFormat[] = FORMAT_NAMES.filter((f) => IMAGE_FORMATS[f].decodable);

/** File name endings a folder is searched for (lower-cased before the check): every known format, so a refused one is named, not skipped. */
export const IMAGE_EXTENSIONS: readonly string[] = FORMAT_NAMES.flatMap((f) => IMAGE_FORMATS[f].extensions);

/** Content types a server accepts as raw image bodies → format (decodable formats only). */
export const IMAGE_MIME_TYPES: Readonly<Record<string, ImageFormat>> = Object.fromEntries(DECODABLE_FORMATS.map((f) => [IMAGE_FORMATS[f].mime, f]));

/** 'PNG, JPEG, WebP, GIF, TIFF or AVIF': the decodable formats, for messages. */
export function decodableList(): string {
  const labels = DECODABLE_FORMATS.map((f) => IMAGE_FORMATS[f].label);
  return `${labels.slice(0, -1).join(', ')} or ${labels[labels.length - 1]}`;
}

/** The format the bytes start like, or undefined. */
export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  return FORMAT_NAMES.find((f) => IMAGE_FORMATS[f].matches(bytes));
}

/** Whether a file name ends like an image icmix knows. */
export function hasImageExtension(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((x) => lower.endsWith(x));
}
