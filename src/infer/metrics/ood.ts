import type { OodDetectionMetrics } from '../report/types.js';
import { IcmixError } from '../../util/errors.js';
import { checkScores } from './validate.js';

/**
 * OOD detection metrics. In-distribution (ID) samples are the positive class and a higher score
 * means "more in-distribution" (OpenOOD's convention). Predicting ID at threshold t means
 * score >= t, so TPR(t) = P(id >= t) and FPR(t) = P(ood >= t).
 */

/**
 * AUROC as the Mann-Whitney statistic: P(id > ood) + ½·P(id = ood), exact. Computed from the
 * average ranks of the pooled scores (tie groups share their mean rank), O(n log n).
 */
export function auroc(idScores: ArrayLike<number>, oodScores: ArrayLike<number>): number {
  checkScores(idScores, 'auroc', 'idScores');
  checkScores(oodScores, 'auroc', 'oodScores');
  const nP = idScores.length;
  const nN = oodScores.length;
  const all = pooled(idScores, oodScores);
  all.sort((a, b) => a.s - b.s);
  let rankSumPos = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j].s === all[i].s) j++;
    // ranks i+1..j (1-based) share their mean
    const meanRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (all[k].pos) rankSumPos += meanRank;
    i = j;
  }
  const u = rankSumPos - (nP * (nP + 1)) / 2;
  return u / (nP * nN);
}

/**
 * Average precision of `positives` against `negatives` (higher score = positive), step-wise as
 * sklearn's average_precision_score: AP = Σ_k (R_k − R_{k−1})·P_k over distinct thresholds in
 * decreasing order (a tie group enters at once), with R_0 = 0.
 */
export function averagePrecision(positives: ArrayLike<number>, negatives: ArrayLike<number>): number {
  checkScores(positives, 'averagePrecision', 'positive scores');
  checkScores(negatives, 'averagePrecision', 'negative scores');
  const all = pooled(positives, negatives);
  all.sort((a, b) => b.s - a.s);
  const nP = positives.length;
  let tp = 0;
  let fp = 0;
  let prevRecall = 0;
  let ap = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j].s === all[i].s) {
      if (all[j].pos) tp++;
      else fp++;
      j++;
    }
    const recall = tp / nP;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
    i = j;
  }
  return ap;
}

/** AUPR-In: average precision with ID as positive. */
export function auprIn(idScores: ArrayLike<number>, oodScores: ArrayLike<number>): number {
  return averagePrecision(idScores, oodScores);
}

/** AUPR-Out: average precision with OOD as positive, scores negated (lower = more OOD). */
export function auprOut(idScores: ArrayLike<number>, oodScores: ArrayLike<number>): number {
  return averagePrecision(negate(oodScores), negate(idScores));
}

/**
 * The threshold for a target TPR: the largest t among the ID scores with
 * P(id >= t) >= tpr. Flag a sample as OOD when its score < t; then at least `tpr` of the ID
 * scores given are kept, and no larger threshold keeps that many. (This is the first point of
 * sklearn's roc_curve, drop_intermediate=False, whose tpr reaches `tpr`.)
 */
export function thresholdAtTpr(idScores: ArrayLike<number>, tpr: number): number {
  checkScores(idScores, 'thresholdAtTpr', 'idScores');
  if (!(tpr > 0 && tpr <= 1)) throw new IcmixError(`thresholdAtTpr: tpr must be in (0, 1], got ${tpr}`);
  const s = Float64Array.from(idScores as ArrayLike<number>).sort().reverse();
  const n = s.length;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j < n && s[j] === s[i]) j++;
    if (j / n >= tpr) return s[i];
    i = j;
  }
  return s[n - 1]; // unreachable: j = n gives TPR 1
}

/**
 * FPR at `tpr` TPR (default 0.95): with t = thresholdAtTpr(idScores, tpr), the fraction of OOD
 * scores >= t. So t is the largest threshold whose TPR is at least 95%, which gives the smallest
 * FPR among thresholds reaching that TPR.
 */
export function fprAtTpr(idScores: ArrayLike<number>, oodScores: ArrayLike<number>, tpr = 0.95): number {
  checkScores(oodScores, 'fprAtTpr', 'oodScores');
  const t = thresholdAtTpr(idScores, tpr);
  let fp = 0;
  for (let i = 0; i < oodScores.length; i++) if (oodScores[i] >= t) fp++;
  return fp / oodScores.length;
}

/** FPR at 95% TPR. */
export function fpr95(idScores: ArrayLike<number>, oodScores: ArrayLike<number>): number {
  return fprAtTpr(idScores, oodScores, 0.95);
}

/** All four detection metrics for one score. */
export function oodDetection(idScores: ArrayLike<number>, oodScores: ArrayLike<number>): OodDetectionMetrics {
  return {
    auroc: auroc(idScores, oodScores),
    auprIn: auprIn(idScores, oodScores),
    auprOut: auprOut(idScores, oodScores),
    fpr95: fpr95(idScores, oodScores),
  };
}

function pooled(pos: ArrayLike<number>, neg: ArrayLike<number>): Array<{ s: number; pos: boolean }> {
  const all: Array<{ s: number; pos: boolean }> = new Array(pos.length + neg.length);
  for (let i = 0; i < pos.length; i++) all[i] = { s: pos[i], pos: true };
  for (let i = 0; i < neg.length; i++) all[pos.length + i] = { s: neg[i], pos: false };
  return all;
}

function negate(x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = -x[i];
  return out;
}
