import { FOLDER_RULES } from '../data/image-folder.js';
import { DEFAULT_MAX_IMAGE_PIXELS } from '../image/index.js';
import { ranged } from './ranged.js';

/**
 * --max-image-pixels for commands that decode image files (predict, eval, calibrate; train has it
 * from its options table): one limit, checked from each file's header before decoding.
 */
export function maxImagePixelsFlag(group: string) {
  return ranged('max-image-pixels', FOLDER_RULES.maxImagePixels, {
    group,
    describe: `largest width x height an image file may declare (default ${DEFAULT_MAX_IMAGE_PIXELS}, 10000x10000); a larger file is refused from its header, before decoding, with an error naming it`,
  });
}
