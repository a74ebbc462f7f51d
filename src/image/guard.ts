import { ImageError, IMAGE_FILE, withHint, type ImageSource } from './errors.js';
import { IMAGE_FORMATS, decodableList, sniffFormat, type ImageFormat } from './formats.js';
import { ImageHeaderError, readImageHeader, type ImageHeader } from './header.js';

/**
 * Default pixel limit of the commands that decode files (predict, folder datasets): 10000x10000,
 * which still takes a 24-megapixel camera photo. `icmix serve` defaults lower (4096x4096), since
 * its images come from anyone.
 */
export const DEFAULT_MAX_IMAGE_PIXELS = 100_000_000;

/** What an image must declare to be decoded. */
export interface ImageAdmission {
  /** Most width x height pixels; a larger declaration is refused before decoding (default: no limit). */
  maxPixels?: number;
  /** Who hands the image over, so messages speak to them (default: a file). */
  source?: ImageSource;
  /** The format the sender declared (a content type); default: whatever the signature says. */
  format?: ImageFormat;
}

/**
 * Read an image's header and check it against the pixel limit, allocating nothing for its pixels
 * (a 69-byte PNG can declare 20000x20000 and would cost a decoder 1.6 GB). Throws ImageError:
 * 'not-an-image', 'unsupported', 'damaged' or 'too-large', each naming the source and the fix.
 */
export async function admitImage(bytes: Uint8Array, rules: ImageAdmission = {}): Promise<ImageHeader> {
  const source = rules.source ?? IMAGE_FILE;
  let header: ImageHeader;
  try {
    header = await readImageHeader(bytes, rules.format);
  } catch (err) {
    if (!(err instanceof ImageHeaderError)) throw err;
    throw headerError(err, bytes, rules.format, source);
  }
  const pixels = header.width * header.height;
  const max = rules.maxPixels ?? Infinity;
  if (pixels > max) {
    const name = IMAGE_FORMATS[header.format].label;
    throw new ImageError('too-large', `the ${name} image declares ${header.width}x${header.height} = ${pixels} pixels, more than ${source.limitName} (${max}); ${source.tooLarge}`);
  }
  return header;
}

function headerError(err: ImageHeaderError, bytes: Uint8Array, format: ImageFormat | undefined, source: ImageSource): ImageError {
  const declared = format ? IMAGE_FORMATS[format].label : undefined;
  const sniffed = sniffFormat(bytes);
  const hint = source.resend(declared ?? 'PNG');
  if (err.kind === 'unsupported') return new ImageError('unsupported', withHint(`${source.subject} cannot be decoded: ${err.message}`, hint));
  if (err.kind === 'signature') {
    if (bytes.length === 0) return new ImageError('not-an-image', withHint(`${source.subject} is empty${declared ? `, so it is not a ${declared} image` : ''}`, hint));
    if (declared) return new ImageError('not-an-image', withHint(`${source.subject} does not start with the ${declared} signature, so it is not a ${declared} image`, hint));
    return new ImageError('not-an-image', withHint(`${source.subject} is not a ${decodableList()} image (its first bytes match none of their signatures)`, hint));
  }
  const label = declared ?? (sniffed ? IMAGE_FORMATS[sniffed].label : 'image');
  return new ImageError('damaged', withHint(`${source.subject} is not a valid ${label} image (${err.message})`, hint));
}
