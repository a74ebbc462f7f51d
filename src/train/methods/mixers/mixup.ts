import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../../util/rng.js';
import { drawLambda } from '../../mixing/lambda.js';
import { mixInputs, permute } from '../../mixing/inputs.js';
import type { MethodParams } from '../params.js';
import type { MixDraw, MixedBatch, Mixer } from '../types.js';

export type MixupOptions = Pick<MethodParams, 'alpha' | 'lambdaMode'>;

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

export function mixupMixer(o: MixupOptions): Mixer {
  return { draw: (batchSize, _shape, rng) => drawMixup(batchSize, rng, o), mix: mixupBatch };
}
