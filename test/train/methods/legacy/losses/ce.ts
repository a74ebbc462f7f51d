import * as tf from '@tensorflow/tfjs-core';
import './gradients.js';
import { IcmixError } from '../../../../../src/util/errors.js';

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
