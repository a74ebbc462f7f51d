import type { Rng } from '../../util/rng.js';
import { IcmixError } from '../../util/errors.js';
import { positive } from '../../util/ranges.js';

/** The parameters of the mixing weight, shared by every mixer that draws one. */
export const LAMBDA_PARAMS = {
  alpha: {
    kind: 'number',
    rule: positive,
    fallback: 1,
    help: "Beta(alpha, alpha) for mixing lambda (default: the method's, 0.2 for mixup/icm, 20 for the RegMixup family)",
  },
  lambdaMode: { kind: 'choice', choices: ['batch', 'sample'], default: 'batch', help: 'one lambda per batch (the paper) or per sample' },
} as const;

/**
 * Mixing weights ~ Beta(alpha, alpha): one number for the batch (the authors' code) or one per
 * sample ([n]) when `perSample` is set. alpha <= 0 means no mixing (lambda = 1), as in Mixup's code.
 */
export function drawLambda(alpha: number, rng: Rng): number;
export function drawLambda(alpha: number, rng: Rng, perSample: number): Float32Array;
export function drawLambda(alpha: number, rng: Rng, perSample?: number): number | Float32Array {
  if (!Number.isFinite(alpha)) throw new IcmixError(`mixing alpha must be a finite number, got ${alpha}; pass e.g. --alpha 0.2`);
  const one = (): number => (alpha > 0 ? rng.beta(alpha, alpha) : 1);
  if (perSample === undefined) return one();
  const lam = new Float32Array(perSample);
  for (let i = 0; i < perSample; i++) lam[i] = one();
  return lam;
}
