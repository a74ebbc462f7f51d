import { IcmixError } from '../../util/errors.js';
import type { ParityResult } from '../report/types.js';
import { checkMatrix, matrixRows } from './validate.js';

/** Cross-runtime parity of two probability matrices [n, C] for the same inputs. */

function checkPair(a: ArrayLike<number>, b: ArrayLike<number>, numClasses: number, where: string): number {
  if (a.length !== b.length) {
    throw new IcmixError(`${where}: the two outputs differ in length (${a.length} vs ${b.length}); compare outputs for the same inputs`);
  }
  const n = matrixRows(a, numClasses, where, 'first output');
  checkMatrix(b, n, numClasses, where, 'second output');
  return n;
}

/** Fraction of rows with the same argmax (first maximum). */
export function top1Agreement(a: ArrayLike<number>, b: ArrayLike<number>, numClasses: number): number {
  const n = checkPair(a, b, numClasses, 'top1Agreement');
  let same = 0;
  for (let i = 0; i < n; i++) {
    const off = i * numClasses;
    let ia = 0;
    let ib = 0;
    for (let c = 1; c < numClasses; c++) {
      if (a[off + c] > a[off + ia]) ia = c;
      if (b[off + c] > b[off + ib]) ib = c;
    }
    if (ia === ib) same++;
  }
  return same / n;
}

/** max over all entries of |a − b|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, numClasses: number): number {
  checkPair(a, b, numClasses, 'maxAbsDiff');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** mean over all entries of |a − b|. */
export function meanAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, numClasses: number): number {
  checkPair(a, b, numClasses, 'meanAbsDiff');
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

/**
 * Whether every |a − reference| <= atol + rtol·|reference| (numpy's allclose rule), so float32
 * rounding of very large outputs does not count as a mismatch.
 */
export function withinTolerance(a: ArrayLike<number>, reference: ArrayLike<number>, numClasses: number, atol: number, rtol: number): boolean {
  checkPair(a, reference, numClasses, 'withinTolerance');
  for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i] - reference[i]) <= atol + rtol * Math.abs(reference[i]))) return false;
  return true;
}

/** The report entry for one pair of runtimes on one suite. */
export function parityResult(
  nameA: string,
  a: ArrayLike<number>,
  nameB: string,
  b: ArrayLike<number>,
  numClasses: number,
  suite: string,
): ParityResult {
  return {
    a: nameA,
    b: nameB,
    suite,
    n: a.length / numClasses,
    top1Agreement: top1Agreement(a, b, numClasses),
    maxAbsDiff: maxAbsDiff(a, b, numClasses),
  };
}
