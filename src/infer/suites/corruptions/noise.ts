/**
 * Noise family (CIFAR-10-C / MNIST-C style). Parameters are for pixels in [0, 1]; they are
 * somewhat stronger than CIFAR-10-C's because MNIST-like images are easier to read through noise.
 */
import type { Rng } from '../../../util/rng.js';
import { clip01 } from '../image-ops.js';
import { param, type Corruption } from './types.js';

const GAUSSIAN_SIGMA = [0.08, 0.12, 0.18, 0.26, 0.38];
/** Photon counts per unit intensity: fewer photons, more noise. */
const SHOT_LAMBDA = [60, 25, 12, 6, 3];
/** Fraction of pixels set to 0 or 1. */
const IMPULSE_AMOUNT = [0.03, 0.06, 0.1, 0.17, 0.27];

/** Poisson(mean): Knuth's product method for small means, a rounded normal above 30. */
export function poisson(mean: number, rng: Rng): number {
  if (mean <= 0) return 0;
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * rng.normal()));
  const l = Math.exp(-mean);
  let k = 0;
  let p = rng.next();
  while (p > l) {
    k++;
    p *= rng.next();
  }
  return k;
}

export const gaussianNoise: Corruption = {
  name: 'gaussian-noise',
  family: 'noise',
  description: `x + N(0, s^2), s = ${GAUSSIAN_SIGMA.join('/')}`,
  apply(images, _n, _shape, severity, rng) {
    const s = param(GAUSSIAN_SIGMA, severity, this.name);
    return images.map((v) => clip01(v + s * rng.normal()));
  },
};

export const shotNoise: Corruption = {
  name: 'shot-noise',
  family: 'noise',
  description: `Poisson(x * L) / L, L = ${SHOT_LAMBDA.join('/')}`,
  apply(images, _n, _shape, severity, rng) {
    const lam = param(SHOT_LAMBDA, severity, this.name);
    return images.map((v) => clip01(poisson(v * lam, rng) / lam));
  },
};

export const impulseNoise: Corruption = {
  name: 'impulse-noise',
  family: 'noise',
  description: `salt and pepper: a fraction ${IMPULSE_AMOUNT.join('/')} of values set to 0 or 1`,
  apply(images, _n, _shape, severity, rng) {
    const a = param(IMPULSE_AMOUNT, severity, this.name);
    return images.map((v) => (rng.next() < a ? (rng.next() < 0.5 ? 0 : 1) : v));
  },
};

export const NOISE: Corruption[] = [gaussianNoise, shotNoise, impulseNoise];
