import * as tf from '@tensorflow/tfjs-core';
import type { ImageShape } from '../../../../../../src/types.js';
import type { Rng } from '../../../../../../src/util/rng.js';
import { IcmixError } from '../../../../../../src/util/errors.js';
import { drawLambda } from '../../../../../../src/train/mixers/lambda.js';
import { drawCutmixBox } from '../../../../../../src/train/mixers/cutmix.js';
import { mixInputs } from '../../../../../../src/train/mixers/mixup.js';
import { permute } from '../../../../../../src/train/mixers/permute.js';
import { cutmixInputs } from '../../../../../../src/train/mixers/cutmix.js';
import { remixLabelLambda } from '../../../../../../src/train/mixers/remix.js';
import type { MethodContext, MixDraw } from '../types.js';

/** Mixup-style draw: lambda(s) ~ Beta(alpha, alpha) (per batch or per sample), then a permutation. */
export function drawMixup(batchSize: number, rng: Rng, ctx: MethodContext): MixDraw {
  const lam = ctx.lambdaMode === 'sample' ? drawLambda(ctx.alpha, rng, batchSize) : drawLambda(ctx.alpha, rng);
  return { perm: rng.permutation(batchSize), lam };
}

/**
 * CutMix draw: one lambda and one box per batch (whatever ctx.lambdaMode says: a box per sample
 * would need per-sample masks, and CutMix's reference draws one). draw.lam is the box's
 * area-corrected lambda.
 */
export function drawCutmix(batchSize: number, shape: ImageShape, rng: Rng, ctx: MethodContext): MixDraw {
  const lam0 = drawLambda(ctx.alpha, rng);
  const perm = rng.permutation(batchSize);
  const box = drawCutmixBox(shape[0], shape[1], lam0, rng);
  return { perm, lam: box.lam, box };
}

/** No mixing: identity pairing, lambda 1. Draws nothing from the Rng. */
export function drawNone(batchSize: number): MixDraw {
  const perm = new Int32Array(batchSize);
  for (let i = 0; i < batchSize; i++) perm[i] = i;
  return { perm, lam: 1 };
}

/** The mixed batch and its labels: x̃ [b,h,w,c], yA = y, yB = y[perm], lam as number or [b]. */
export interface MixedBatch {
  x: tf.Tensor4D;
  yA: tf.Tensor1D;
  yB: tf.Tensor1D;
  lam: number | tf.Tensor1D;
}

export function mixBatch(x: tf.Tensor4D, y: tf.Tensor1D, draw: MixDraw): MixedBatch {
  const xm = draw.box ? cutmixInputs(x, draw.perm, draw.box) : mixInputs(x, draw.perm, draw.lam);
  return { x: xm, yA: y, yB: permute(y, draw.perm), lam: lamTensor(draw.lam) };
}

/**
 * Remix: inputs mixed with draw.lam, labels (and ICM's mixed classifiers) with Remix's
 * rebalanced per-sample lambda. Labels are read back to the host (int32, no gradient) so the rule
 * runs exactly as remixLabelLambda states it.
 */
export function remixBatch(x: tf.Tensor4D, y: tf.Tensor1D, draw: MixDraw, ctx: MethodContext): MixedBatch {
  if (ctx.classCounts.length !== ctx.numClasses) {
    throw new IcmixError(`Remix needs the training count of each of the ${ctx.numClasses} classes, got ${ctx.classCounts.length} counts`);
  }
  const batch = mixBatch(x, y, draw);
  const ya = y.dataSync() as Int32Array;
  const yb = new Int32Array(ya.length);
  for (let i = 0; i < ya.length; i++) yb[i] = ya[draw.perm[i]];
  const lamY = remixLabelLambda(draw.lam, ya, yb, ctx.classCounts, ctx.kappa, ctx.tau);
  return { ...batch, lam: tf.tensor1d(lamY) };
}

export function lamTensor(lam: number | Float32Array): number | tf.Tensor1D {
  return typeof lam === 'number' ? lam : tf.tensor1d(lam);
}
