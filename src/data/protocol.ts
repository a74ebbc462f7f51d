/**
 * Training protocols: which training images a run sees. In order:
 *  1. a stratified, seeded validation split held out from the training data;
 *  2. optionally long-tailed (`imbalance` rho >= 1): class c keeps
 *     n_c = floor(n_max * rho^(-c / (C - 1))) images, class 0 the most, class C-1 n_max / rho;
 *  3. optionally data-constrained (`perClass` N): N random images per class (with `imbalance`,
 *     N is the head class size n_max);
 *  4. optionally `trainSubset` K: a stratified (class-proportional) random subset of K images.
 * The result records every choice so the run manifest can regenerate the split.
 */
import { IcmixError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { classCounts, indicesByClass, subset, type ImageSet } from './image-set.js';

export interface ProtocolOptions {
  /** Long-tail ratio rho = n_max / n_min (>= 1; 1 or undefined = balanced). */
  imbalance?: number;
  /** Images per class (data-constrained), or the head class size with `imbalance`. */
  perClass?: number;
  /** Total training images after the other steps, drawn class-proportionally. */
  trainSubset?: number;
  /** Validation images held out; default 10% of the training data capped at 5000. 0 = none. */
  valSize?: number;
  seed: number;
}

export interface ProtocolResult {
  train: ImageSet;
  val: ImageSet;
  /** [numClasses] training images per class after the protocol. */
  classCounts: number[];
  description: Record<string, unknown>;
}

export const DEFAULT_VAL_FRACTION = 0.1;
export const DEFAULT_VAL_CAP = 5000;

export function defaultValSize(n: number): number {
  return Math.min(DEFAULT_VAL_CAP, Math.round(n * DEFAULT_VAL_FRACTION));
}

/** n_c = floor(n_max * rho^(-c/(C-1))) for c = 0..C-1. */
export function longTailCounts(nMax: number, rho: number, numClasses: number): number[] {
  if (numClasses < 2) return [nMax];
  // Math.pow of an exact power can land a hair below the integer (e.g. 99.99999); a tiny epsilon
  // keeps floor from dropping an image the formula gives.
  return Array.from({ length: numClasses }, (_, c) => Math.floor(nMax * Math.pow(rho, -c / (numClasses - 1)) + 1e-9));
}

/**
 * Split `total` items across groups of sizes `sizes` in proportion (largest remainder; ties go to
 * the lower group index). Each share is at most its group's size; shares sum to `total`.
 */
export function proportionalAllocation(sizes: number[], total: number): number[] {
  const n = sizes.reduce((a, b) => a + b, 0);
  if (total > n) throw new RangeError(`cannot take ${total} of ${n}`);
  if (n === 0) return sizes.map(() => 0);
  const exact = sizes.map((s) => (s * total) / n);
  const out = exact.map((x) => Math.floor(x));
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left === 0) break;
    if (out[i] < sizes[i]) {
      out[i]++;
      left--;
    }
  }
  return out;
}

function sortedConcat(parts: ArrayLike<number>[]): Int32Array {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Int32Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  // Keep the dataset's own order: the trainer shuffles per epoch, and sorted copies read memory in order.
  return out.sort();
}

function checkCount(name: string, v: number | undefined, min: number): void {
  if (v === undefined) return;
  if (!Number.isFinite(v) || Math.floor(v) !== v || v < min) throw new IcmixError(`${name} must be an integer >= ${min}, got ${v}`);
}

export function applyProtocol(train: ImageSet, opts: ProtocolOptions): ProtocolResult {
  const { imbalance, perClass, trainSubset, seed } = opts;
  const C = train.numClasses;
  const n = train.labels.length;
  checkCount('seed', seed, 0);
  checkCount('perClass', perClass, 1);
  checkCount('trainSubset', trainSubset, 1);
  checkCount('valSize', opts.valSize, 0);
  if (imbalance !== undefined && !(Number.isFinite(imbalance) && imbalance >= 1)) {
    throw new IcmixError(`imbalance is the ratio of the largest to the smallest class and must be >= 1, got ${imbalance}`);
  }
  const valSize = opts.valSize ?? defaultValSize(n);
  if (valSize >= n) throw new IcmixError(`valSize ${valSize} leaves no training images out of ${n}; use a smaller --val-size`);

  const rng = new Rng(seed).fork('protocol');
  // Each class's images in a seeded random order: every later step takes a prefix of these.
  // Each class has its own stream, so one class's order does not depend on the others' sizes.
  const byClass = indicesByClass(train).map((ix, c) => rng.fork(`class-${c}`).shuffle(Int32Array.from(ix)));

  // 1. Validation: a stratified share of each class, taken from the front of its order.
  const valPer = proportionalAllocation(byClass.map((ix) => ix.length), valSize);
  const valIdx = byClass.map((ix, c) => ix.subarray(0, valPer[c]));
  let pool = byClass.map((ix, c) => ix.subarray(valPer[c]));
  const poolCounts = pool.map((ix) => ix.length);

  // 2 + 3. Long tail and/or a per-class budget.
  let nMax: number | undefined;
  let targets: number[] | undefined;
  if (perClass !== undefined || (imbalance !== undefined && imbalance > 1)) {
    const smallest = Math.min(...poolCounts);
    nMax = perClass ?? smallest;
    if (nMax > smallest) {
      const c = poolCounts.indexOf(smallest);
      throw new IcmixError(`perClass ${nMax} is more than the ${smallest} images of class ${c} (${train.classNames[c]}) left after holding out ${valSize} for validation; use --per-class <= ${smallest}`);
    }
    targets = imbalance !== undefined && imbalance > 1 ? longTailCounts(nMax, imbalance, C) : new Array<number>(C).fill(nMax);
    if (targets.some((t) => t < 1)) throw new IcmixError(`imbalance ${imbalance} with ${nMax} images in the head class leaves a class with no images; use a smaller --imbalance or more --per-class`);
    pool = pool.map((ix, c) => ix.subarray(0, targets![c]));
  }

  // 4. Stratified subset of what is left.
  if (trainSubset !== undefined) {
    const have = pool.reduce((a, ix) => a + ix.length, 0);
    if (trainSubset > have) throw new IcmixError(`trainSubset ${trainSubset} is more than the ${have} training images left after the other protocol steps`);
    const per = proportionalAllocation(pool.map((ix) => ix.length), trainSubset);
    pool = pool.map((ix, c) => ix.subarray(0, per[c]));
  }

  const trainSet = subset(train, sortedConcat(pool));
  const valSet = subset(train, sortedConcat(valIdx));
  const counts = classCounts(trainSet);
  const description: Record<string, unknown> = {
    seed,
    sourceSize: n,
    valSize: valSet.labels.length,
    valSplit: 'stratified, seeded; held out before the other steps',
    ...(imbalance !== undefined && imbalance > 1 ? { imbalance, imbalanceRule: 'n_c = floor(n_max * rho^(-c/(C-1))), class 0 largest', nMax } : {}),
    ...(perClass !== undefined ? { perClass } : {}),
    ...(trainSubset !== undefined ? { trainSubset, trainSubsetRule: 'class-proportional, largest remainder' } : {}),
    trainSize: trainSet.labels.length,
    classCounts: counts,
    valClassCounts: classCounts(valSet),
  };
  return { train: trainSet, val: valSet, classCounts: counts, description };
}
