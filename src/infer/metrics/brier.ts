import { checkRowsAndLabels } from './validate.js';

/** Brier score: mean over samples of Σ_c (p_c − 1[y = c])², in [0, 2]. */
export function brier(probs: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): number {
  const n = checkRowsAndLabels(probs, labels, numClasses, 'brier');
  let s = 0;
  for (let i = 0; i < n; i++) {
    const off = i * numClasses;
    for (let c = 0; c < numClasses; c++) {
      const d = probs[off + c] - (c === labels[i] ? 1 : 0);
      s += d * d;
    }
  }
  return s / n;
}
