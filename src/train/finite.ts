import * as tf from '@tensorflow/tfjs-core';

/**
 * Whether every value of `vars` is finite, with one reduction and one read: sum(v * 0) is 0 when
 * all are finite and NaN otherwise (NaN * 0 and Inf * 0 are NaN), so a large sum cannot overflow.
 */
export function allFinite(vars: tf.Tensor[]): boolean {
  const probe = tf.tidy(() => tf.addN(vars.map((v) => tf.sum(tf.mul(v, 0)))));
  const value = probe.dataSync()[0];
  probe.dispose();
  return value === 0;
}
