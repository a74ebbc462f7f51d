import { IcmixError } from '../../util/errors.js';
import { checkRowsAndLabels } from './validate.js';
import { nllFromLogits } from './nll.js';

/**
 * Temperature scaling: find T > 0 minimising the mean NLL of softmax(z / T).
 *
 * In β = 1/T the NLL is convex: NLL(β) = mean[lse(β z) − β z_y], with
 * NLL'(β) = mean[E_p[z] − z_y] and NLL''(β) = mean[Var_p(z)] ≥ 0. So NLL is unimodal in log T
 * too. We golden-section search log T over [log Tmin, log Tmax] (robust, no derivatives), then
 * polish with Newton steps on NLL'(β) = 0 kept inside the bracket (bisection when Newton would
 * leave it), which reaches float64 precision in a few steps.
 */

export interface TemperatureFit {
  /** The fitted temperature. */
  temperature: number;
  /** Mean NLL at T = 1 and at the fitted T. */
  nllBefore: number;
  nllAfter: number;
  /** True when the optimum lies on the search bound (the data wants a T outside the range). */
  atBound: boolean;
  /** Objective evaluations used. */
  evaluations: number;
}

export interface TemperatureFitOptions {
  /**
   * Search range for T (default [0.05, 20], its upper end widened tenfold, up to 2e5, while the
   * optimum sits on it: a model with large logits can want T = 100, and stopping at 20 would
   * report a temperature that is not the fit).
   */
  min?: number;
  max?: number;
}

/** NLL and its first two derivatives in β = 1/T, all in one pass over logits [n, C]. */
function nllAndDerivatives(z: Float64Array, labels: ArrayLike<number>, C: number, beta: number): [number, number, number] {
  const n = labels.length;
  let f = 0;
  let g = 0;
  let h = 0;
  for (let i = 0; i < n; i++) {
    const off = i * C;
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, beta * z[off + c]);
    let s = 0;
    let ez = 0;
    let ez2 = 0;
    for (let c = 0; c < C; c++) {
      const e = Math.exp(beta * z[off + c] - m);
      s += e;
      ez += e * z[off + c];
      ez2 += e * z[off + c] * z[off + c];
    }
    const mean = ez / s;
    const zy = z[off + labels[i]];
    f += m + Math.log(s) - beta * zy;
    g += mean - zy;
    h += Math.max(0, ez2 / s - mean * mean);
  }
  return [f / n, g / n, h / n];
}

/** The widest default upper end of the search: beyond it softmax(z / T) is uniform to float32 for any sane logits. */
export const MAX_DEFAULT_TEMPERATURE = 2e5;

/** Fit T on logits [n, C] and labels [n]. */
export function fitTemperature(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
  opts: TemperatureFitOptions = {},
): TemperatureFit {
  checkRowsAndLabels(logits, labels, numClasses, 'fitTemperature', 'logits');
  const z = Float64Array.from(logits as ArrayLike<number>);
  const tMin = opts.min ?? 0.05;
  if (opts.max !== undefined) return fitInRange(z, labels, numClasses, tMin, opts.max);
  let evaluations = 0;
  for (let tMax = 20; ; tMax *= 10) {
    const fit = fitInRange(z, labels, numClasses, tMin, tMax);
    evaluations += fit.evaluations;
    const atTop = fit.atBound && fit.temperature > Math.sqrt(tMax * tMin);
    if (!atTop || tMax * 10 > MAX_DEFAULT_TEMPERATURE) return { ...fit, evaluations };
  }
}

function fitInRange(z: Float64Array, labels: ArrayLike<number>, C: number, tMin: number, tMax: number): TemperatureFit {
  if (!(tMin > 0 && tMax > tMin && Number.isFinite(tMax))) {
    throw new IcmixError(`fitTemperature: need 0 < min < max < ∞ for the search range, got [${tMin}, ${tMax}]`);
  }
  let evaluations = 0;
  const nllAtLogT = (u: number): number => {
    evaluations++;
    return nllAndDerivatives(z, labels, C, Math.exp(-u))[0];
  };

  // Golden-section search on u = log T.
  const phi = (Math.sqrt(5) - 1) / 2;
  let a = Math.log(tMin);
  let b = Math.log(tMax);
  let x1 = b - phi * (b - a);
  let x2 = a + phi * (b - a);
  let f1 = nllAtLogT(x1);
  let f2 = nllAtLogT(x2);
  for (let it = 0; it < 60 && b - a > 1e-9; it++) {
    if (f1 <= f2) {
      b = x2;
      x2 = x1;
      f2 = f1;
      x1 = b - phi * (b - a);
      f1 = nllAtLogT(x1);
    } else {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + phi * (b - a);
      f2 = nllAtLogT(x2);
    }
  }

  // Newton polish in β on the derivative, within the β bracket of the final interval,
  // widened slightly so an optimum sitting on a golden-section point stays inside.
  const pad = 1e-6;
  let lo = Math.exp(-Math.min(b + pad, Math.log(tMax))); // β low  ↔ T high
  let hi = Math.exp(-Math.max(a - pad, Math.log(tMin))); // β high ↔ T low
  let beta = Math.exp(-(a + b) / 2);
  for (let it = 0; it < 50; it++) {
    const [, g, h] = nllAndDerivatives(z, labels, C, beta);
    evaluations++;
    if (g === 0) break;
    // NLL' increases with β: g > 0 means the optimum has a smaller β.
    if (g > 0) hi = beta;
    else lo = beta;
    let next = h > 0 ? beta - g / h : NaN;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    const done = Math.abs(next - beta) <= 1e-12 * beta;
    beta = next;
    if (done || hi - lo <= 1e-14 * beta) break;
  }

  let temperature = Math.min(tMax, Math.max(tMin, 1 / beta));
  // Keep whichever of the golden-section and Newton answers is better (guards odd cases such as
  // an optimum at the bound, where NLL' never reaches 0 inside the range).
  const gsT = Math.exp((a + b) / 2);
  const fNewton = nllFromLogits(z, labels, C, temperature);
  const fGs = nllFromLogits(z, labels, C, gsT);
  evaluations += 2;
  if (fGs < fNewton) temperature = gsT;
  const nllAfter = Math.min(fNewton, fGs);
  const rel = 1e-6;
  const atBound = temperature <= tMin * (1 + rel) || temperature >= tMax * (1 - rel);
  return { temperature, nllBefore: nllFromLogits(z, labels, C, 1), nllAfter, atBound, evaluations };
}
