import type { Argv } from 'yargs';
import { FOLDER_RULES, parseImageSize } from '../data/image-folder.js';
import { DEFAULT_MAX_IMAGE_PIXELS } from '../image/index.js';
import { describeRule } from '../util/ranges.js';
import { ranged } from './ranged.js';

/** What the folder-dataset flags parse to. */
export interface FolderFlags {
  'image-size'?: [number, number];
  channels?: number;
  strict?: boolean;
  'max-image-pixels'?: number;
}

/**
 * --image-size, --channels and --strict for commands that load a folder:<dir> dataset; the sizes
 * are checked against FOLDER_RULES while yargs parses.
 */
export function folderFlags<T>(y: Argv<T>, group = 'Data:'): Argv<T & FolderFlags> {
  return y
    .option('image-size', {
      type: 'string',
      group,
      describe: `folder:<dir> datasets: resize every image to HxW (height x width, e.g. 64x64; default: the most common size) (${describeRule(FOLDER_RULES.imageSize)})`,
      coerce: (v: unknown) => (v === undefined ? undefined : parseImageSize(v)),
    })
    .option(...ranged('channels', FOLDER_RULES.channels, { group, describe: 'folder:<dir> datasets: 1 (grey) or 3 (RGB) (default: 1 when every file is grey, else 3)' }))
    .option('strict', { type: 'boolean', group, describe: 'folder:<dir> datasets: stop at a file that does not decode instead of skipping it' })
    .option(...maxImagePixelsFlag(group)) as unknown as Argv<T & FolderFlags>;
}

/** --max-image-pixels for commands that decode image files: one limit, checked from each file's header before decoding. */
export function maxImagePixelsFlag(group: string) {
  return ranged('max-image-pixels', FOLDER_RULES.maxImagePixels, {
    group,
    describe: `largest width x height an image file may declare (default ${DEFAULT_MAX_IMAGE_PIXELS}, 10000x10000); a larger file is refused from its header, before decoding, with an error naming it`,
  });
}
