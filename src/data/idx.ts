/**
 * The IDX format of MNIST and Fashion-MNIST: a 4-byte magic (0, 0, type code, number of dims),
 * then one big-endian uint32 per dim, then the values row-major. We read and write unsigned
 * bytes (type 0x08), plain or gzipped (detected by the gzip magic, not the file name).
 */
import { promises as fs } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { ImageShape } from '../types.js';
import { writeFileAtomic } from '../util/atomic.js';
import { IcmixError } from '../util/errors.js';
import type { ImageSet } from './image-set.js';

/** Magic of an image file: unsigned bytes, 3 dims [n, rows, cols]. */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** Magic of a label file: unsigned bytes, 1 dim [n]. */
export const IDX_LABELS_MAGIC = 0x00000801;

const UBYTE = 0x08;

export interface IdxArray {
  /** Sizes of each dimension, outermost first. */
  dims: number[];
  /** Row-major values. */
  data: Uint8Array;
}

export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** The bytes of `buf`, gunzipped when they start with the gzip magic. */
export function maybeGunzip(buf: Uint8Array, file: string): Uint8Array {
  if (!isGzip(buf)) return buf;
  try {
    return new Uint8Array(gunzipSync(buf));
  } catch (e) {
    throw new IcmixError(`${file}: the gzip stream is damaged (${(e as Error).message}); download the file again`);
  }
}

/** Parse an IDX byte array (already gunzipped) whose magic must be `expectMagic`. */
export function parseIdx(buf: Uint8Array, file: string, expectMagic: number): IdxArray {
  const what = expectMagic === IDX_IMAGES_MAGIC ? 'an IDX image file (magic 0x00000803)' : expectMagic === IDX_LABELS_MAGIC ? 'an IDX label file (magic 0x00000801)' : `an IDX file with magic 0x${hex(expectMagic)}`;
  if (buf.length < 4) throw new IcmixError(`${file}: only ${buf.length} bytes; expected ${what}. The file is truncated; download it again`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== expectMagic) {
    const hint = magic === IDX_IMAGES_MAGIC || magic === IDX_LABELS_MAGIC ? ' (images and labels swapped?)' : '';
    throw new IcmixError(`${file}: magic number 0x${hex(magic)} but expected ${what}${hint}`);
  }
  if (buf[2] !== UBYTE) throw new IcmixError(`${file}: IDX value type 0x${buf[2].toString(16)} is not supported; only unsigned bytes (0x08)`);
  const ndims = buf[3];
  const header = 4 + 4 * ndims;
  if (buf.length < header) throw new IcmixError(`${file}: truncated IDX header (${buf.length} of ${header} bytes); download the file again`);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const have = buf.length - header;
  if (have < count) {
    throw new IcmixError(`${file}: truncated: dims [${dims.join(', ')}] need ${count} data bytes but the file holds ${have}; download the file again`);
  }
  if (have > count) throw new IcmixError(`${file}: ${have - count} bytes after the data that dims [${dims.join(', ')}] describe; is this an IDX file?`);
  return { dims, data: buf.subarray(header, header + count) };
}

/** Read an IDX file (gzipped or not) from disk. */
export async function readIdxFile(file: string, expectMagic: number): Promise<IdxArray> {
  let raw: Uint8Array;
  try {
    raw = await fs.readFile(file);
  } catch (e) {
    throw new IcmixError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseIdx(maybeGunzip(raw, file), file, expectMagic);
}

/**
 * Read an image file and its label file into an ImageSet ([n, rows, cols, 1] in [0, 1]).
 * Without `classNames` the classes are 0..largest label, each of which must occur; names default to "0", "1", ...
 */
export async function readIdxImageSet(imagesFile: string, labelsFile: string, classNames?: string[]): Promise<ImageSet> {
  const [img, lab] = await Promise.all([readIdxFile(imagesFile, IDX_IMAGES_MAGIC), readIdxFile(labelsFile, IDX_LABELS_MAGIC)]);
  const [n, h, w] = img.dims;
  if (img.dims.length !== 3 || !(h >= 1 && w >= 1)) {
    throw new IcmixError(`${imagesFile}: images of shape [${img.dims.slice(1).join(', ')}] hold no pixels; an IDX image file has dims [n, rows, cols] with rows and cols at least 1`);
  }
  if (lab.dims[0] !== n) {
    throw new IcmixError(`${labelsFile} holds ${lab.dims[0]} labels but ${imagesFile} holds ${n} images; they must come from the same split (train or t10k)`);
  }
  const images = new Float32Array(img.data.length);
  // Divide rather than multiply by 1/255 so each value is the correctly rounded x / 255.
  for (let i = 0; i < images.length; i++) images[i] = img.data[i] / 255;
  const labels = Int32Array.from(lab.data);
  const numClasses = classNames ? classNames.length : inferClassCount(labels, labelsFile);
  for (let i = 0; i < n; i++) {
    if (labels[i] >= numClasses) {
      throw new IcmixError(
        `${labelsFile}: label ${labels[i]} but the dataset has ${numClasses} classes (0..${numClasses - 1}` +
          `${classNames ? ', one per class name' : ', from the training labels'}); the first such label is at index ${i}. Fix the label file or the class list`,
      );
    }
  }
  const names = classNames ?? Array.from({ length: numClasses }, (_, i) => String(i));
  return { images, labels, shape: [h, w, 1] as ImageShape, numClasses, classNames: names };
}

/**
 * With no declared class list, the classes are 0..max label, and each must have an image: a
 * stray byte (label 200 among 0..9) would otherwise train a 201-class model without a word.
 */
function inferClassCount(labels: Int32Array, file: string): number {
  let max = -1;
  let at = -1;
  for (let i = 0; i < labels.length; i++) if (labels[i] > max) [max, at] = [labels[i], i];
  const seen = new Uint8Array(max + 1);
  for (const y of labels) seen[y] = 1;
  const empty = seen.indexOf(0);
  if (empty >= 0) {
    throw new IcmixError(
      `${file}: label ${max} at index ${at} implies ${max + 1} classes, but class ${empty} has no images; ` +
        'fix the label, or list the class names one a line in classes.txt next to the IDX files',
    );
  }
  return max + 1;
}

/** Encode an IDX array of unsigned bytes (for tests and for exporting subsets). */
export function encodeIdx(data: Uint8Array, dims: number[], opts: { gzip?: boolean } = {}): Uint8Array {
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new RangeError(`encodeIdx: dims [${dims.join(', ')}] need ${count} values, got ${data.length}`);
  const out = new Uint8Array(4 + 4 * dims.length + count);
  const view = new DataView(out.buffer);
  out[2] = UBYTE;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return opts.gzip ? new Uint8Array(gzipSync(out)) : out;
}

/** Write an IDX file atomically; gzipped when `opts.gzip`. */
export async function writeIdxFile(file: string, data: Uint8Array, dims: number[], opts: { gzip?: boolean } = {}): Promise<void> {
  await writeFileAtomic(file, encodeIdx(data, dims, opts));
}

function hex(x: number): string {
  return (x >>> 0).toString(16).padStart(8, '0');
}
