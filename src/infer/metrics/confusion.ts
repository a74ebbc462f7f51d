/**
 * The confusion matrix and per-class accuracy of one set of predictions: where a headline
 * accuracy hides a class the model never gets right. Predicted = argmax (first on ties, as
 * accuracy counts it), so the diagonal sums to accuracy x n.
 */
import { argmaxRows } from './accuracy.js';
import { checkRowsAndLabels } from './validate.js';

/** counts[t][p]: images of true class t predicted as p (rows: true class, columns: predicted). */
export function confusionMatrix(probs: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): number[][] {
  checkRowsAndLabels(probs, labels, numClasses, 'confusionMatrix');
  const counts = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  const pred = argmaxRows(probs, numClasses);
  for (let i = 0; i < labels.length; i++) counts[labels[i]][pred[i]]++;
  return counts;
}

/** Per true class: its images and the share predicted right (null for a class with no images). */
export function perClassAccuracy(confusion: readonly (readonly number[])[]): { n: number; accuracy: number | null }[] {
  return confusion.map((row, t) => {
    const n = row.reduce((a, b) => a + b, 0);
    return { n, accuracy: n > 0 ? row[t] / n : null };
  });
}
