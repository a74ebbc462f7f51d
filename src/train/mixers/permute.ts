import * as tf from '@tensorflow/tfjs-core';
import { IcmixError } from '../../util/errors.js';

/** Gather rows of a tensor by a host permutation (each mixer's partner images and labels). */
export function permute<T extends tf.Tensor>(t: T, perm: Int32Array): T {
  if (perm.length !== t.shape[0]) {
    throw new IcmixError(`permutation has ${perm.length} entries but the batch has ${t.shape[0]}`);
  }
  return tf.gather(t, tf.tensor1d(perm, 'int32')) as T;
}
