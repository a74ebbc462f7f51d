import { IcmixError } from '../util/errors.js';

/**
 * Why an image was not decoded. `kind` lets a caller map it to its own terms (serve: the HTTP
 * status); the message already names the image (its source's subject) and the fix.
 *  - 'not-an-image': empty, or no known signature, or not the format the sender declared;
 *  - 'unsupported': a known format the decoder does not read (BMP);
 *  - 'damaged': the header or the data is broken or cut short;
 *  - 'too-large': the declared width x height is over the pixel limit (checked before decoding);
 *  - 'channels': the model takes other than 1 or 3 channels, so an image cannot feed it.
 */
export type ImageErrorKind = 'not-an-image' | 'unsupported' | 'damaged' | 'too-large' | 'channels';

export class ImageError extends IcmixError {
  constructor(
    readonly kind: ImageErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'ImageError';
  }
}

/** Who hands an image over, so messages name it and say what its sender should do. */
export interface ImageSource {
  /** What the bytes are, e.g. 'the request body' or 'the file'. */
  subject: string;
  /** What to do about bytes that are not a valid image of `format` (a label such as 'PNG'); '' when the caller says it. */
  resend(format: string): string;
  /** What to do about an image over the pixel limit. */
  tooLarge: string;
  /** The words before the limit in the too-large message, e.g. 'this server decodes'. */
  limitName: string;
}

/** `what`, then `; hint` when there is one. */
export function withHint(what: string, hint: string): string {
  return hint ? `${what}; ${hint}` : what;
}

/** A file on disk, in a command whose output already names the file (icmix predict, folder datasets). */
export const IMAGE_FILE: ImageSource = {
  subject: 'the file',
  resend: () => 're-save it as a PNG or JPEG file',
  tooLarge: 'shrink the file, or raise --max-image-pixels',
  limitName: '--max-image-pixels allows',
};
