import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ceLoss, mixupLoss, mixedTargets } from '../../../src/train/objectives/soft-ce.js';
import { IcmixError } from '../../../src/util/errors.js';
import { assertAllClose, close } from './ref.js';

before(async () => {
  await tf.setBackend('cpu');
});

const Z = [
  [1, 2, 0],
  [0.5, -1, 3],
];

test('ceLoss matches a hand computation', () => {
  // row 0, class 1: -(2 - log(e^1 + e^2 + e^0)); row 1, class 2: -(3 - log(e^0.5 + e^-1 + e^3))
  const r0 = -(2 - Math.log(Math.exp(1) + Math.exp(2) + 1));
  const r1 = -(3 - Math.log(Math.exp(0.5) + Math.exp(-1) + Math.exp(3)));
  const got = ceLoss(tf.tensor2d(Z), tf.tensor1d([1, 2], 'int32')).dataSync()[0];
  assert.ok(close(got, (r0 + r1) / 2), `${got} vs ${(r0 + r1) / 2}`);
});

test('mixupLoss = lam·CE(yA) + (1-lam)·CE(yB), batch and per-sample lambda', () => {
  const lse = Z.map((r) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0)));
  const nll = (i: number, c: number) => lse[i] - Z[i][c];
  const yA = [1, 2];
  const yB = [0, 0];
  const batch = (0.3 * nll(0, 1) + 0.7 * nll(0, 0) + 0.3 * nll(1, 2) + 0.7 * nll(1, 0)) / 2;
  const perSample = (0.3 * nll(0, 1) + 0.7 * nll(0, 0) + 0.8 * nll(1, 2) + 0.2 * nll(1, 0)) / 2;
  const a = tf.tensor1d(yA, 'int32');
  const b = tf.tensor1d(yB, 'int32');
  assert.ok(close(mixupLoss(tf.tensor2d(Z), a, b, 0.3).dataSync()[0], batch));
  assert.ok(close(mixupLoss(tf.tensor2d(Z), a, b, tf.tensor1d([0.3, 0.8])).dataSync()[0], perSample));
});

test('mixedTargets builds the soft label rows', () => {
  const t = mixedTargets(tf.tensor1d([0, 2], 'int32'), tf.tensor1d([1, 2], 'int32'), tf.tensor1d([0.25, 0.6]), 3);
  assertAllClose(t.dataSync(), [0.25, 0.75, 0, 0, 0, 1], 1e-6, 1e-7, 'targets');
});

test('mixupLoss gradient equals (softmax - target) / B', () => {
  const yA = tf.tensor1d([1, 2], 'int32');
  const yB = tf.tensor1d([0, 1], 'int32');
  const g = tf.grad((z: tf.Tensor) => mixupLoss(z as tf.Tensor2D, yA, yB, 0.35))(tf.tensor2d(Z));
  const T = [
    [0.65, 0.35, 0],
    [0, 0.65, 0.35],
  ];
  const expected: number[] = [];
  Z.forEach((r, i) => {
    const s = r.reduce((acc, v) => acc + Math.exp(v), 0);
    r.forEach((v, j) => expected.push((Math.exp(v) / s - T[i][j]) / 2));
  });
  assertAllClose(g.dataSync(), expected, 1e-4, 1e-6, 'grad');
});

test('bad labels are reported with the offending input named', () => {
  assert.throws(() => ceLoss(tf.tensor2d(Z), tf.tensor1d([1, 2])), (e: unknown) => e instanceof IcmixError && /int32/.test(e.message));
  assert.throws(() => ceLoss(tf.tensor2d(Z), tf.tensor1d([1], 'int32')), IcmixError);
});
