/**
 * CIFAR-10 and CIFAR-100 in their official "binary version": fixed-size records of label
 * byte(s) followed by 3072 pixel bytes as three 32x32 planes (R, then G, then B). We convert to
 * NHWC float32 in [0, 1] so every dataset reaches the trainer in one layout.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ImageShape } from '../types.js';
import { IcmixError } from '../util/errors.js';
import type { ImageSet } from './image-set.js';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const PIXELS = 3 * PLANE;
export const CIFAR_SHAPE: ImageShape = [SIDE, SIDE, 3];

const HOWTO = {
  cifar10:
    'Download the CIFAR-10 "binary version" (cifar-10-binary.tar.gz) from https://www.cs.toronto.edu/~kriz/cifar.html, ' +
    'extract it (tar xzf cifar-10-binary.tar.gz) and pass the folder with --data-dir (e.g. --data-dir cifar-10-batches-bin)',
  cifar100:
    'Download the CIFAR-100 "binary version" (cifar-100-binary.tar.gz) from https://www.cs.toronto.edu/~kriz/cifar.html, ' +
    'extract it (tar xzf cifar-100-binary.tar.gz) and pass the folder with --data-dir (e.g. --data-dir cifar-100-binary)',
} as const;
type Variant = keyof typeof HOWTO;

/** The folder names the official tarballs extract to; we look inside them too. */
const TAR_FOLDER: Record<Variant, string> = { cifar10: 'cifar-10-batches-bin', cifar100: 'cifar-100-binary' };

/**
 * Decode binary records. `labelBytes` is 1 (CIFAR-10) or 2 (CIFAR-100: coarse, fine);
 * `labelIndex` picks which of those label bytes becomes the label.
 */
export function parseCifarRecords(
  buf: Uint8Array,
  file: string,
  labelBytes: 1 | 2,
  labelIndex: number,
  numClasses: number,
  howTo = '',
): { images: Float32Array /* [n,32,32,3] */; labels: Int32Array /* [n] */ } {
  const rec = labelBytes + PIXELS;
  if (buf.length === 0 || buf.length % rec !== 0) {
    const whole = Math.floor(buf.length / rec);
    throw new IcmixError(
      `${file}: ${buf.length} bytes is not a whole number of ${rec}-byte records (${whole} whole, ${buf.length - whole * rec} bytes left over); ` +
        `the file is truncated or not the binary version. ${howTo}`.trim(),
    );
  }
  const n = buf.length / rec;
  const images = new Float32Array(n * PIXELS);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const base = i * rec;
    const y = buf[base + labelIndex];
    if (y >= numClasses) throw new IcmixError(`${file}: record ${i} has label ${y} but the dataset has ${numClasses} classes; is this the right file? ${howTo}`.trim());
    labels[i] = y;
    const px = base + labelBytes;
    const out = i * PIXELS;
    // CHW planes -> HWC: pixel p of plane ch lands at p*3 + ch.
    for (let ch = 0; ch < 3; ch++) {
      const src = px + ch * PLANE;
      for (let p = 0; p < PLANE; p++) images[out + p * 3 + ch] = buf[src + p] / 255;
    }
  }
  return { images, labels };
}

/** Build binary records from NHWC bytes (for tests and tools); `labels` holds one row per label byte. */
export function encodeCifarRecords(pixelsNHWC: Uint8Array, labels: ArrayLike<number>[]): Uint8Array {
  const n = pixelsNHWC.length / PIXELS;
  const lb = labels.length;
  const rec = lb + PIXELS;
  const out = new Uint8Array(n * rec);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < lb; k++) out[i * rec + k] = labels[k][i];
    for (let p = 0; p < PLANE; p++) for (let ch = 0; ch < 3; ch++) out[i * rec + lb + ch * PLANE + p] = pixelsNHWC[i * PIXELS + p * 3 + ch];
  }
  return out;
}

/** Resolve the folder holding `probe`: `dir` itself or the tarball's folder inside it. */
async function findDir(dir: string | undefined, probe: string, variant: Variant): Promise<string> {
  if (!dir) throw new IcmixError(`${variant} needs its files: no data folder given. ${HOWTO[variant]}`);
  for (const d of [dir, path.join(dir, TAR_FOLDER[variant])]) {
    if (await exists(path.join(d, probe))) return d;
  }
  throw new IcmixError(`${variant}: ${path.join(dir, probe)} not found. ${HOWTO[variant]}`);
}

async function readRequired(file: string, variant: Variant): Promise<Uint8Array> {
  try {
    return await fs.readFile(file);
  } catch (e) {
    throw new IcmixError(`${variant}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). ${HOWTO[variant]}`);
  }
}

async function readNames(file: string, count: number, variant: Variant): Promise<string[]> {
  let names: string[] = [];
  if (await exists(file)) {
    names = (await fs.readFile(file, 'utf8')).split(/\r?\n/).map((s) => s.trim()).filter((s) => s.length > 0);
  }
  if (names.length === 0) return Array.from({ length: count }, (_, i) => String(i));
  if (names.length !== count) throw new IcmixError(`${file}: ${names.length} class names but ${variant} has ${count} classes. ${HOWTO[variant]}`);
  return names;
}

function concat(parts: { images: Float32Array; labels: Int32Array }[]): { images: Float32Array; labels: Int32Array } {
  const n = parts.reduce((a, p) => a + p.labels.length, 0);
  const images = new Float32Array(n * PIXELS);
  const labels = new Int32Array(n);
  let at = 0;
  for (const p of parts) {
    images.set(p.images, at * PIXELS);
    labels.set(p.labels, at);
    at += p.labels.length;
  }
  return { images, labels };
}

/** CIFAR-10 from data_batch_1..5.bin and test_batch.bin (class names from batches.meta.txt). */
export async function readCifar10(dir: string | undefined): Promise<{ train: ImageSet; test: ImageSet; dir: string }> {
  const d = await findDir(dir, 'test_batch.bin', 'cifar10');
  const classNames = await readNames(path.join(d, 'batches.meta.txt'), 10, 'cifar10');
  const load = async (name: string) => parseCifarRecords(await readRequired(path.join(d, name), 'cifar10'), path.join(d, name), 1, 0, 10, HOWTO.cifar10);
  // In order, so a missing batch is always reported as the first one missing (not whichever read failed first).
  const batches = [];
  for (const i of [1, 2, 3, 4, 5]) batches.push(await load(`data_batch_${i}.bin`));
  const test = await load('test_batch.bin');
  const mk = (p: { images: Float32Array; labels: Int32Array }): ImageSet => ({ ...p, shape: [...CIFAR_SHAPE] as ImageShape, numClasses: 10, classNames });
  return { train: mk(concat(batches)), test: mk(test), dir: d };
}

/** CIFAR-100 from train.bin and test.bin with `label` 'fine' (100 classes) or 'coarse' (20 superclasses). */
export async function readCifar100(dir: string | undefined, label: 'fine' | 'coarse' = 'fine'): Promise<{ train: ImageSet; test: ImageSet; dir: string }> {
  const d = await findDir(dir, 'test.bin', 'cifar100');
  const numClasses = label === 'fine' ? 100 : 20;
  const classNames = await readNames(path.join(d, `${label}_label_names.txt`), numClasses, 'cifar100');
  const labelIndex = label === 'fine' ? 1 : 0;
  const load = async (name: string) => parseCifarRecords(await readRequired(path.join(d, name), 'cifar100'), path.join(d, name), 2, labelIndex, numClasses, HOWTO.cifar100);
  const [train, test] = await Promise.all([load('train.bin'), load('test.bin')]);
  const mk = (p: { images: Float32Array; labels: Int32Array }): ImageSet => ({ ...p, shape: [...CIFAR_SHAPE] as ImageShape, numClasses, classNames });
  return { train: mk(train), test: mk(test), dir: d };
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
