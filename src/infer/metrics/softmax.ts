import { IcmixError } from '../../util/errors.js';
import { matrixRows } from './validate.js';

/**
 * Softmax helpers over [n, C] logits with a temperature (logits / T). Computed in float64 with
 * the row max subtracted, so large logits neither overflow nor lose the small probabilities.
 */

function checkT(temperature: number, where: string): void {
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new IcmixError(`${where}: temperature must be a positive finite number, got ${temperature}`);
  }
}

/** log Σ_c exp(z_c / T) of one row starting at `off`. */
export function rowLogSumExp(logits: ArrayLike<number>, off: number, numClasses: number, temperature = 1): number {
  let m = -Infinity;
  for (let c = 0; c < numClasses; c++) m = Math.max(m, logits[off + c] / temperature);
  let s = 0;
  for (let c = 0; c < numClasses; c++) s += Math.exp(logits[off + c] / temperature - m);
  return m + Math.log(s);
}

/** log Σ_c exp(z_c / T) per row: [n]. */
export function logSumExp(logits: ArrayLike<number>, numClasses: number, temperature = 1): Float64Array {
  checkT(temperature, 'logSumExp');
  const n = matrixRows(logits, numClasses, 'logSumExp', 'logits', true);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = rowLogSumExp(logits, i * numClasses, numClasses, temperature);
  return out;
}

/** log softmax(z / T): [n, C] as float64. */
export function logSoftmax(logits: ArrayLike<number>, numClasses: number, temperature = 1): Float64Array {
  checkT(temperature, 'logSoftmax');
  const n = matrixRows(logits, numClasses, 'logSoftmax', 'logits', true);
  const out = new Float64Array(n * numClasses);
  for (let i = 0; i < n; i++) {
    const off = i * numClasses;
    const lse = rowLogSumExp(logits, off, numClasses, temperature);
    for (let c = 0; c < numClasses; c++) out[off + c] = logits[off + c] / temperature - lse;
  }
  return out;
}

/** softmax(z / T): [n, C] probabilities as float32 (the metrics' input type). */
export function softmax(logits: ArrayLike<number>, numClasses: number, temperature = 1): Float32Array {
  const ls = logSoftmax(logits, numClasses, temperature);
  const out = new Float32Array(ls.length);
  for (let i = 0; i < ls.length; i++) out[i] = Math.exp(ls[i]);
  return out;
}

/**
 * Logits whose softmax gives back `probs` (log p, with p clamped at 1e-12 so zeros stay finite).
 * For models exported with a probability output, so logit-based scores still apply; note that
 * max logit then equals log MSP and energy is ~0 (the absolute logit scale is lost).
 */
export function logitsFromProbabilities(probs: ArrayLike<number>): Float32Array {
  const out = new Float32Array(probs.length);
  for (let i = 0; i < probs.length; i++) out[i] = Math.log(Math.max(probs[i], 1e-12));
  return out;
}
