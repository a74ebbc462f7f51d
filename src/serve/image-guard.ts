import { BadInput } from './errors.js';
import { ImageHeaderError, readImageHeader, type HeaderFormat, type ImageHeader } from './image-header.js';

/** What an image body must declare to be decoded. */
export interface ImageAdmission {
  /** Most width x height pixels (a larger declaration → 413). */
  maxPixels: number;
  /** Who hands the image over, so messages speak to them (default: a client of the server). */
  source?: ImageSource;
}

/** How error messages name the image and what its sender should do. */
export interface ImageSource {
  /** What the bytes are, e.g. 'the request body' or a file's path. */
  subject: string;
  /** What to do about bytes that are not a valid image of `format`. */
  resend(format: string): string;
}

/** A client of `icmix serve`. */
export const REQUEST_BODY: ImageSource = {
  subject: 'the request body',
  resend: (format) => `send the file's bytes with content-type image/${format}`,
};

/** A file on disk (icmix predict, whose output line already names it). */
export const IMAGE_FILE: ImageSource = {
  subject: 'the file',
  resend: () => 're-save it as a PNG or JPEG file',
};

/**
 * Check an image body's header before it is decoded: a body that is not an image of its declared
 * type is a 400 and one that declares more than `maxPixels` pixels is a 413, both answered without
 * allocating anything for its pixels (a 69-byte PNG can declare 20000x20000 and would cost a
 * decoder 1.6 GB). Any other size is admitted: the decoder resizes it to the model's.
 */
export function admitImage(bytes: Uint8Array, format: HeaderFormat, rules: ImageAdmission): ImageHeader {
  const name = format.toUpperCase();
  const source = rules.source ?? REQUEST_BODY;
  let header: ImageHeader;
  try {
    header = readImageHeader(bytes, format);
  } catch (err) {
    if (!(err instanceof ImageHeaderError)) throw err;
    const hint = source.resend(format);
    if (err.kind === 'signature') {
      const what = bytes.length === 0 ? 'is empty' : `does not start with the ${name} signature`;
      throw new BadInput(400, 'not_an_image', `${source.subject} ${what}, so it is not a ${name} image; ${hint}`);
    }
    throw new BadInput(400, 'not_an_image', `${source.subject} is not a valid ${name} image (${err.message}); ${hint}`);
  }
  const pixels = header.width * header.height;
  if (pixels > rules.maxPixels) {
    throw new BadInput(
      413,
      'image_too_large',
      `the ${name} image declares ${header.width}x${header.height} = ${pixels} pixels, more than this server decodes (${rules.maxPixels}); ` +
        `send a smaller image, or start the server with a larger --max-image-pixels`,
    );
  }
  return header;
}
