import type { ReliabilityBin } from '../report/types.js';
import { checkBins, checkRowsAndLabels } from './validate.js';

/**
 * Calibration errors from top-1 confidence. Equal-width bins split [0, 1] into `bins` intervals
 * [k/B, (k+1)/B), the last one closed so a confidence of exactly 1.0 lands in it. Equal-mass
 * (adaptive) bins sort samples by confidence and cut them into `bins` runs of ⌊n/B⌋ or ⌈n/B⌉.
 * ECE = Σ_b (n_b / n)·|acc_b − conf_b|; MCE = max over non-empty bins of |acc_b − conf_b|.
 */

export const DEFAULT_BINS = 15;

export type BinScheme = 'width' | 'mass';

export interface BinOptions {
  /** Number of bins (default 15). */
  bins?: number;
  /** 'width' (equal-width, default) or 'mass' (equal-mass). */
  scheme?: BinScheme;
}

/** Top-1 confidence and correctness per sample: conf [n] (float64), correct [n] (0/1). */
export function confidences(
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
  where = 'confidences',
): { conf: Float64Array; correct: Uint8Array } {
  const n = checkRowsAndLabels(probs, labels, numClasses, where);
  const conf = new Float64Array(n);
  const correct = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const off = i * numClasses;
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (probs[off + c] > probs[off + best]) best = c;
    conf[i] = probs[off + best];
    correct[i] = best === labels[i] ? 1 : 0;
  }
  return { conf, correct };
}

/** Equal-width bin of a confidence: ⌊conf·B⌋ clamped to [0, B−1] (so 1.0 goes in the last bin). */
export function binIndex(conf: number, bins: number): number {
  return Math.min(bins - 1, Math.max(0, Math.floor(conf * bins)));
}

/** Reliability data per bin (count, accuracy, mean confidence, bounds). Empty bins report 0s. */
export function reliabilityBins(
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
  opts: BinOptions = {},
  where = 'reliabilityBins',
): ReliabilityBin[] {
  const bins = opts.bins ?? DEFAULT_BINS;
  checkBins(bins, where);
  const { conf, correct } = confidences(probs, labels, numClasses, where);
  return (opts.scheme ?? 'width') === 'mass' ? massBins(conf, correct, bins) : widthBins(conf, correct, bins);
}

function widthBins(conf: Float64Array, correct: Uint8Array, bins: number): ReliabilityBin[] {
  const count = new Float64Array(bins);
  const hit = new Float64Array(bins);
  const sum = new Float64Array(bins);
  for (let i = 0; i < conf.length; i++) {
    const b = binIndex(conf[i], bins);
    count[b]++;
    hit[b] += correct[i];
    sum[b] += conf[i];
  }
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    out.push({
      lower: b / bins,
      upper: (b + 1) / bins,
      count: count[b],
      accuracy: count[b] ? hit[b] / count[b] : 0,
      confidence: count[b] ? sum[b] / count[b] : 0,
    });
  }
  return out;
}

function massBins(conf: Float64Array, correct: Uint8Array, bins: number): ReliabilityBin[] {
  const n = conf.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => conf[a] - conf[b]);
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    const start = Math.floor((b * n) / bins);
    const end = Math.floor(((b + 1) * n) / bins);
    let hit = 0;
    let sum = 0;
    for (let k = start; k < end; k++) {
      hit += correct[order[k]];
      sum += conf[order[k]];
    }
    const count = end - start;
    // Bounds of a mass bin are the confidences it spans; an empty one (n < bins) is a point.
    const lower = count ? conf[order[start]] : start < n ? conf[order[start]] : 1;
    const upper = count ? conf[order[end - 1]] : lower;
    out.push({ lower, upper, count, accuracy: count ? hit / count : 0, confidence: count ? sum / count : 0 });
  }
  return out;
}

/** Σ_b (n_b / n)·|acc_b − conf_b| over the given bins. */
export function eceFromBins(bins: readonly ReliabilityBin[]): number {
  let n = 0;
  let s = 0;
  for (const b of bins) {
    n += b.count;
    s += b.count * Math.abs(b.accuracy - b.confidence);
  }
  return n ? s / n : 0;
}

/** max over non-empty bins of |acc_b − conf_b|. */
export function mceFromBins(bins: readonly ReliabilityBin[]): number {
  let m = 0;
  for (const b of bins) if (b.count > 0) m = Math.max(m, Math.abs(b.accuracy - b.confidence));
  return m;
}

/** Expected calibration error with equal-width bins (default 15). */
export function ece(probs: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number, bins = DEFAULT_BINS): number {
  return eceFromBins(reliabilityBins(probs, labels, numClasses, { bins, scheme: 'width' }, 'ece'));
}

/** Adaptive ECE: equal-mass bins (default 15). */
export function adaptiveEce(probs: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number, bins = DEFAULT_BINS): number {
  return eceFromBins(reliabilityBins(probs, labels, numClasses, { bins, scheme: 'mass' }, 'adaptiveEce'));
}

/** Maximum calibration error with equal-width bins (default 15). */
export function mce(probs: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number, bins = DEFAULT_BINS): number {
  return mceFromBins(reliabilityBins(probs, labels, numClasses, { bins, scheme: 'width' }, 'mce'));
}
