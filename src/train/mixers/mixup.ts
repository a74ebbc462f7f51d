import * as tf from '@tensorflow/tfjs-core';
import { IcmixError } from '../../util/errors.js';
import type { OptionValues } from '../../util/options.js';
import type { Rng } from '../../util/rng.js';
import { drawLambda, LAMBDA_PARAMS } from './lambda.js';
import { permute } from './permute.js';
import type { MixDraw, MixedBatch, MixerKind } from './types.js';

const PARAMS = { alpha: LAMBDA_PARAMS.alpha, lambdaMode: LAMBDA_PARAMS.lambdaMode } as const;
export type MixupOptions = OptionValues<typeof PARAMS>;

/**
 * Mixup's inputs: x̃_i = lam_i·x_i + (1 − lam_i)·x_perm[i].
 * x [b,h,w,c]; lam one number or one per sample [b].
 */
export function mixInputs(x: tf.Tensor4D, perm: Int32Array, lam: number | Float32Array): tf.Tensor4D {
  const b = x.shape[0];
  const partner = permute(x, perm);
  if (typeof lam === 'number') return tf.add(tf.mul(x, lam), tf.mul(partner, 1 - lam));
  if (lam.length !== b) throw new IcmixError(`got ${lam.length} mixing weights for a batch of ${b}`);
  const l = tf.tensor4d(lam, [b, 1, 1, 1]);
  return tf.add(tf.mul(x, l), tf.mul(partner, tf.sub(1, l)));
}

/** Mixup's draw: lambda(s) ~ Beta(alpha, alpha) (per batch or per sample), then a permutation. */
export function drawMixup(batchSize: number, rng: Rng, o: MixupOptions): MixDraw {
  const lam = o.lambdaMode === 'sample' ? drawLambda(o.alpha, rng, batchSize) : drawLambda(o.alpha, rng);
  return { perm: rng.permutation(batchSize), lam };
}

/** x̃ = lam·x + (1 − lam)·x[perm]; labels y, y[perm] weighted by the same lam. */
export function mixupBatch(x: tf.Tensor4D, y: tf.Tensor1D, draw: MixDraw): MixedBatch {
  const xm = mixInputs(x, draw.perm, draw.lam);
  return { x: xm, yA: y, yB: permute(y, draw.perm), labelLam: typeof draw.lam === 'number' ? draw.lam : tf.tensor1d(draw.lam) };
}

/** Mixup (Zhang et al., 2018): convex combinations of image pairs and of their labels. */
export const mixup: MixerKind<typeof PARAMS, MixupOptions> = {
  params: PARAMS,
  create: (o) => ({ draw: (batchSize, _shape, rng) => drawMixup(batchSize, rng, o), mix: mixupBatch }),
};
