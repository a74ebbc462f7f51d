import { IcmixError } from '../../util/errors.js';

/**
 * Input checks shared by every metric. Metrics are called on model outputs and user data, so bad
 * input must fail loudly with what and where rather than produce a silent NaN.
 */

/** Check that `numClasses` is a positive integer. */
export function checkNumClasses(numClasses: number, where: string): void {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new IcmixError(`${where}: numClasses must be a positive integer, got ${numClasses}`);
  }
}

/**
 * Check a [n, C] score matrix (probabilities or logits) and its labels: same n, non-empty,
 * rows of C values, every value finite, every label an integer in [0, C).
 * Returns n.
 */
export function checkRowsAndLabels(
  values: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
  where: string,
  what = 'probs',
): number {
  checkNumClasses(numClasses, where);
  const n = labels.length;
  if (n === 0) throw new IcmixError(`${where}: empty input (0 labels); pass at least one sample`);
  checkMatrix(values, n, numClasses, where, what);
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) {
      throw new IcmixError(
        `${where}: label ${y} at index ${i} is out of range; labels must be integers in [0, ${numClasses})`,
      );
    }
  }
  return n;
}

/**
 * Rows of a [n, C] matrix whose n is implied by its length: checks C, that the length is a
 * multiple of C (and non-empty unless `allowEmpty`), and that every value is finite. Returns n.
 */
export function matrixRows(values: ArrayLike<number>, numClasses: number, where: string, what: string, allowEmpty = false): number {
  checkNumClasses(numClasses, where);
  const n = values.length / numClasses;
  if (!Number.isInteger(n) || (n === 0 && !allowEmpty)) {
    throw new IcmixError(`${where}: ${what} length ${values.length} is not a ${allowEmpty ? '' : 'positive '}multiple of ${numClasses} classes (wrong row size)`);
  }
  checkMatrix(values, n, numClasses, where, what);
  return n;
}

/** Check a [n, C] matrix: length n·C and all values finite. */
export function checkMatrix(values: ArrayLike<number>, n: number, numClasses: number, where: string, what: string): void {
  if (values.length !== n * numClasses) {
    const rows = values.length / numClasses;
    throw new IcmixError(
      `${where}: ${what} has ${values.length} values but ${n} samples × ${numClasses} classes = ${n * numClasses} were expected` +
        (Number.isInteger(rows) ? ` (it holds ${rows} rows: length mismatch with labels)` : ' (wrong row size)'),
    );
  }
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new IcmixError(
        `${where}: ${what}[${Math.floor(i / numClasses)}, ${i % numClasses}] is ${values[i]}; every value must be finite`,
      );
    }
  }
}

/** Check a 1-D score vector: non-empty and finite. */
export function checkScores(scores: ArrayLike<number>, where: string, what: string): void {
  if (scores.length === 0) throw new IcmixError(`${where}: ${what} is empty; pass at least one score`);
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) {
      throw new IcmixError(`${where}: ${what}[${i}] is ${scores[i]}; every score must be finite`);
    }
  }
}

/** Check a bin count: a positive integer. */
export function checkBins(bins: number, where: string): void {
  if (!Number.isInteger(bins) || bins < 1) {
    throw new IcmixError(`${where}: bins must be a positive integer, got ${bins}`);
  }
}
