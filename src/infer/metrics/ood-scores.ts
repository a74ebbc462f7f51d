import type { OodScoreName } from '../report/types.js';
import { IcmixError } from '../../util/errors.js';
import { matrixRows } from './validate.js';
import { rowLogSumExp } from './softmax.js';

/**
 * OOD scores per sample from logits [n, C]; higher means more in-distribution:
 * - msp: max softmax probability (Hendrycks & Gimpel)
 * - maxLogit: max_c z_c
 * - energy: T·logsumexp(z / T), i.e. the negative free energy (Liu et al.)
 * - negEntropy: Σ_c p_c log p_c (0 for a one-hot prediction, −log C for uniform)
 * Returned as float64 so close scores do not collapse into ties.
 */

export type OodScoreFn = (logits: ArrayLike<number>, numClasses: number, temperature?: number) => Float64Array;

export function mspScore(logits: ArrayLike<number>, numClasses: number, temperature = 1): Float64Array {
  const n = matrixRows(logits, numClasses, 'mspScore', 'logits');
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const off = i * numClasses;
    let m = -Infinity;
    for (let c = 0; c < numClasses; c++) m = Math.max(m, logits[off + c]);
    // max softmax = exp(max z/T − lse(z/T))
    out[i] = Math.exp(m / temperature - rowLogSumExp(logits, off, numClasses, temperature));
  }
  return out;
}

export function maxLogitScore(logits: ArrayLike<number>, numClasses: number): Float64Array {
  const n = matrixRows(logits, numClasses, 'maxLogitScore', 'logits');
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let c = 0; c < numClasses; c++) m = Math.max(m, logits[i * numClasses + c]);
    out[i] = m;
  }
  return out;
}

export function energyScore(logits: ArrayLike<number>, numClasses: number, temperature = 1): Float64Array {
  const n = matrixRows(logits, numClasses, 'energyScore', 'logits');
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = temperature * rowLogSumExp(logits, i * numClasses, numClasses, temperature);
  return out;
}

export function negEntropyScore(logits: ArrayLike<number>, numClasses: number, temperature = 1): Float64Array {
  const n = matrixRows(logits, numClasses, 'negEntropyScore', 'logits');
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const off = i * numClasses;
    const lse = rowLogSumExp(logits, off, numClasses, temperature);
    let s = 0;
    for (let c = 0; c < numClasses; c++) {
      const lp = logits[off + c] / temperature - lse;
      s += Math.exp(lp) * lp; // p·log p → 0 as p → 0, and exp(lp)·lp stays finite
    }
    out[i] = s;
  }
  return out;
}

/** Every score by name (adding one = a function above + one line here + OodScoreName). */
export const OOD_SCORES: Record<OodScoreName, OodScoreFn> = {
  msp: mspScore,
  maxLogit: (z, C) => maxLogitScore(z, C),
  energy: energyScore,
  negEntropy: negEntropyScore,
};

/** Each score's name in tables. */
export const OOD_SCORE_LABELS: Record<OodScoreName, string> = { msp: 'MSP', maxLogit: 'max logit', energy: 'energy', negEntropy: '−entropy' };

/** The named score, or a clear error listing the known ones. */
export function getOodScore(name: string): OodScoreFn {
  const fn = (OOD_SCORES as Record<string, OodScoreFn | undefined>)[name];
  if (!fn) throw new IcmixError(`unknown OOD score '${name}'; known: ${Object.keys(OOD_SCORES).join(', ')}`);
  return fn;
}
