import { checkRowsAndLabels } from './validate.js';
import { rowLogSumExp } from './softmax.js';

/**
 * Probabilities below this count as this when taking the log: a model that puts exactly 0 on the
 * true class (float32 underflow) would otherwise give an infinite mean. −log(1e-12) ≈ 27.6 nats
 * is the most one sample can contribute. (p is also capped at 1, since float32 softmax outputs
 * can overshoot it by rounding and NLL must not go negative.)
 */
export const NLL_CLAMP = 1e-12;

/** Mean −log p_y over probs [n, C] (nats). */
export function nll(probs: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): number {
  const n = checkRowsAndLabels(probs, labels, numClasses, 'nll');
  let s = 0;
  for (let i = 0; i < n; i++) s -= Math.log(Math.min(1, Math.max(probs[i * numClasses + labels[i]], NLL_CLAMP)));
  return s / n;
}

/**
 * Mean −log softmax(z / T)_y over logits [n, C], exact in float64 (no clamp needed): what
 * temperature scaling minimises.
 */
export function nllFromLogits(logits: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number, temperature = 1): number {
  const n = checkRowsAndLabels(logits, labels, numClasses, 'nllFromLogits', 'logits');
  let s = 0;
  for (let i = 0; i < n; i++) {
    const off = i * numClasses;
    s += rowLogSumExp(logits, off, numClasses, temperature) - logits[off + labels[i]] / temperature;
  }
  return s / n;
}
