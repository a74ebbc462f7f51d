/**
 * The lean FusedBatchNorm gradient equals tfjs-core's: tf.grads of a BatchNorm-in-training block
 * (moments + batchNorm, as tfjs-layers builds it) with core's gradient, then with ours, on cpu.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers core's gradients
import { registerLeanBatchNormGradient, restoreCoreBatchNormGradient } from '../../src/backend/batchnorm-grad.js';
import { Rng } from '../../src/util/rng.js';

const rng = new Rng(99);
const rand = (shape: number[], offset = 0) =>
  tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => offset + rng.normal()), shape);

function grads(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, w: tf.Tensor, withScale: boolean): Float32Array[] {
  const f = (xv: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const axes = Array.from({ length: xv.rank - 1 }, (_, i) => i);
    const { mean, variance } = tf.moments(xv, axes);
    const y = tf.batchNorm(xv, mean, variance, b as tf.Tensor1D, withScale ? (g as tf.Tensor1D) : undefined, 1e-3);
    // A non-uniform weighting so every gradient term is non-trivial.
    return tf.sum(tf.mul(tf.relu(y), w));
  };
  return tf.tidy(() => tf.grads(f)([x, gamma, beta]).map((g) => g.dataSync() as Float32Array));
}

test('lean FusedBatchNorm gradient matches core on rank 4 and rank 2, with scale and offset (tfjs cannot save a missing scale for gradients)', async () => {
  await tf.setBackend('cpu');
  for (const shape of [[4, 5, 3, 6], [16, 7]]) {
    const c = shape[shape.length - 1];
    const x = rand(shape, 3); // a mean far from 0 checks the x - mean handling
    const gamma = rand([c]);
    const beta = rand([c]);
    const w = rand(shape);
    for (const withScale of [true]) {
      restoreCoreBatchNormGradient();
      const ref = grads(x, gamma, beta, w, withScale);
      registerLeanBatchNormGradient();
      const got = grads(x, gamma, beta, w, withScale);
      assert.equal(got.length, 3);
      got.forEach((g, i) => {
        const mag = Math.max(...ref[i].map(Math.abs), 1e-12);
        const diff = Math.max(...g.map((v, j) => Math.abs(v - ref[i][j])));
        assert.ok(diff / mag < 1e-4, `shape ${shape} scale=${withScale} grad ${i}: ${diff / mag}`);
      });
    }
    tf.dispose([x, gamma, beta, w]);
  }
});
