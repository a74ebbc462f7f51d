import * as tf from '@tensorflow/tfjs-core';
import { IcmixError } from '../../../../../src/util/errors.js';

/** Gather rows of a tensor by a host permutation. */
export function permute<T extends tf.Tensor>(t: T, perm: Int32Array): T {
  if (perm.length !== t.shape[0]) {
    throw new IcmixError(`permutation has ${perm.length} entries but the batch has ${t.shape[0]}`);
  }
  return tf.gather(t, tf.tensor1d(perm, 'int32')) as T;
}

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
