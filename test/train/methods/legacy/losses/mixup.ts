import * as tf from '@tensorflow/tfjs-core';
import { IcmixError } from '../../../../../src/util/errors.js';
import { checkLabels, softCrossEntropy } from './ce.js';

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
