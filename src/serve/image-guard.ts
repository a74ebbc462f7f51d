import { admitImage as admit, ImageError, type ImageAdmission, type ImageHeader, type ImageSource } from '../image/index.js';
import { BadInput } from './errors.js';

/** A client of `icmix serve`. */
export const REQUEST_BODY: ImageSource = {
  subject: 'the request body',
  resend: (format) => `send the file's bytes with content-type image/${format.toLowerCase()}`,
  tooLarge: 'send a smaller image, or start the server with a larger --max-image-pixels',
  limitName: 'this server decodes',
};

/** The HTTP answer to each way an image is refused. */
const STATUS: Record<ImageError['kind'], { status: number; code: string }> = {
  'not-an-image': { status: 400, code: 'not_an_image' },
  unsupported: { status: 415, code: 'unsupported_image_format' },
  damaged: { status: 400, code: 'not_an_image' },
  'too-large': { status: 413, code: 'image_too_large' },
  channels: { status: 400, code: 'unsupported_channels' },
};

/** An image error as the client's 4xx; anything else unchanged. */
export function toBadInput(err: unknown): unknown {
  if (!(err instanceof ImageError)) return err;
  const { status, code } = STATUS[err.kind];
  return new BadInput(status, code, err.message);
}

/**
 * Check an image body's header before it is decoded (the image room's admitImage): not an image of
 * its declared type is a 400, more than `maxPixels` declared pixels a 413, answered without
 * allocating anything for its pixels. Any other size is admitted: the decoder resizes it.
 */
export async function admitImage(bytes: Uint8Array, format: ImageAdmission['format'], rules: { maxPixels: number; source?: ImageSource }): Promise<ImageHeader> {
  try {
    return await admit(bytes, { format, maxPixels: rules.maxPixels, source: rules.source ?? REQUEST_BODY });
  } catch (err) {
    throw toBadInput(err);
  }
}
