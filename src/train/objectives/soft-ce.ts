import * as tf from '@tensorflow/tfjs-core';
import './gradients.js';
import { IcmixError } from '../../util/errors.js';
import type { ObjectiveKind } from './types.js';

/**
 * Cross-entropy with soft targets, mean over rows: −mean_i Σ_j T_ij log softmax(logits)_ij.
 * logits [n, k], targets [n, k] (rows sum to 1).
 */
export function softCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1))) as tf.Scalar;
}

/** Plain cross-entropy: logits [b, classes], y int32 [b]. Mean over the batch. */
export function ceLoss(logits: tf.Tensor2D, y: tf.Tensor1D): tf.Scalar {
  checkLabels(logits, y, 'y');
  return softCrossEntropy(logits, tf.cast(tf.oneHot(y, logits.shape[1]), 'float32') as tf.Tensor2D);
}

export function checkLabels(logits: tf.Tensor2D, y: tf.Tensor1D, name: string): void {
  if (y.dtype !== 'int32') throw new IcmixError(`labels ${name} must be an int32 tensor, got ${y.dtype}`);
  if (y.shape[0] !== logits.shape[0]) {
    throw new IcmixError(`labels ${name} have ${y.shape[0]} entries but the logits have ${logits.shape[0]} rows`);
  }
}

/**
 * Mixed label rows Ỹ_i = lam_i·onehot(yA_i) + (1 − lam_i)·onehot(yB_i): [b, classes].
 * lam is one number for the batch or a tensor [b].
 */
export function mixedTargets(yA: tf.Tensor1D, yB: tf.Tensor1D, lam: number | tf.Tensor1D, numClasses: number): tf.Tensor2D {
  const a = tf.cast(tf.oneHot(yA, numClasses), 'float32');
  const b = tf.cast(tf.oneHot(yB, numClasses), 'float32');
  if (typeof lam === 'number') return tf.add(tf.mul(a, lam), tf.mul(b, 1 - lam));
  if (lam.rank !== 1 || lam.shape[0] !== yA.shape[0]) {
    throw new IcmixError(`lambda tensor must have shape [${yA.shape[0]}], got [${lam.shape.join(', ')}]`);
  }
  const l = tf.reshape(tf.cast(lam, 'float32'), [-1, 1]);
  return tf.add(tf.mul(a, l), tf.mul(b, tf.sub(1, l)));
}

/**
 * Mixup's loss: cross-entropy against the soft mixed labels, mean over the batch
 * (= lam·CE(z, yA) + (1 − lam)·CE(z, yB) per sample). logits [b, classes].
 */
export function mixupLoss(logits: tf.Tensor2D, yA: tf.Tensor1D, yB: tf.Tensor1D, lam: number | tf.Tensor1D): tf.Scalar {
  checkLabels(logits, yA, 'yA');
  checkLabels(logits, yB, 'yB');
  return softCrossEntropy(logits, mixedTargets(yA, yB, lam, logits.shape[1]));
}

/**
 * Cross-entropy against the mixed soft labels (Mixup's loss); plain CE when the batch was not
 * mixed, so an unmixed step runs exactly the ops of ordinary classification.
 */
export const softCE: ObjectiveKind<Record<never, never>, object> = {
  params: {},
  pairwise: false,
  create: () => ({
    loss: (logits, b) => (b.yB ? mixupLoss(logits, b.yA, b.yB, b.labelLam) : ceLoss(logits, b.yA)),
  }),
};
