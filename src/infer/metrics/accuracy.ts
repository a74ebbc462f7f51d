import { IcmixError } from '../../util/errors.js';
import { checkRowsAndLabels } from './validate.js';

/**
 * Top-k accuracy over probs [n, C] (or logits: only the order matters). A sample counts as
 * correct when its label ranks among the k highest scores, ties broken by the lower class index
 * first, so k = 1 agrees with argmax taking the first maximum.
 */
export function topKAccuracy(probs: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number, k: number, where = 'topKAccuracy'): number {
  const n = checkRowsAndLabels(probs, labels, numClasses, where);
  if (!Number.isInteger(k) || k < 1 || k > numClasses) {
    throw new IcmixError(`${where}: k must be an integer in [1, ${numClasses}] (the number of classes), got ${k}`);
  }
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const off = i * numClasses;
    const y = labels[i];
    const py = probs[off + y];
    // rank of the label = classes strictly above it, plus equal ones with a lower index
    let rank = 0;
    for (let c = 0; c < numClasses; c++) {
      const p = probs[off + c];
      if (p > py || (p === py && c < y)) rank++;
    }
    if (rank < k) correct++;
  }
  return correct / n;
}

/** Top-1 accuracy. */
export function accuracy(probs: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): number {
  return topKAccuracy(probs, labels, numClasses, 1, 'accuracy');
}

/** Top-5 accuracy, or top-C when there are fewer than 5 classes (then it is 1). */
export function top5Accuracy(probs: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): number {
  return topKAccuracy(probs, labels, numClasses, Math.min(5, numClasses), 'top5Accuracy');
}

/** Index of the first maximum of row i: [n] predictions. */
export function argmaxRows(values: ArrayLike<number>, numClasses: number): Int32Array {
  const n = Math.floor(values.length / numClasses);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const off = i * numClasses;
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (values[off + c] > values[off + best]) best = c;
    out[i] = best;
  }
  return out;
}
