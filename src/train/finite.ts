import * as tf from '@tensorflow/tfjs-core';

/**
 * Whether every value of `vars` is finite, with one reduction and one read: sum(v * 0) is 0 when
 * all are finite and NaN otherwise (NaN * 0 and Inf * 0 are NaN), so a large sum cannot overflow.
 */
export function allFinite(vars: tf.Tensor[]): boolean {
  const probe = finiteProbe(vars);
  const value = probe.dataSync()[0];
  probe.dispose();
  return value === 0;
}

/** allFinite with an asynchronous read, for engines that cannot read a device synchronously (webgpu in Node). */
export async function allFiniteAsync(vars: tf.Tensor[]): Promise<boolean> {
  const probe = finiteProbe(vars);
  const value = (await probe.data())[0];
  probe.dispose();
  return value === 0;
}

function finiteProbe(vars: tf.Tensor[]): tf.Tensor {
  return tf.tidy(() => tf.addN(vars.map((v) => tf.sum(tf.mul(v, 0)))));
}
