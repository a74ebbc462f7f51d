import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { icmLoss, icmPairLogits, sharedPositiveTargets } from '../../../src/train/objectives/icm.js';
import { ceLoss, mixedTargets } from '../../../src/train/objectives/soft-ce.js';
import { assertAllClose, close, numericGrad, pseudo, refIcm, type Mat } from './ref.js';

before(async () => {
  await tf.setBackend('cpu');
});

const i32 = (v: number[]) => tf.tensor1d(v, 'int32');
const loss = (t: tf.Scalar) => t.dataSync()[0];

test('B=2, C=2 worked by hand: each axis and their sum', () => {
  // Z = [[1,0],[0,2]], pairs (0,1) and (1,0), lam 0.7 -> Ỹ = [[.7,.3],[.3,.7]]
  // S = Z Ỹᵀ = [[.7,.3],[.6,1.4]]
  // class axis (rows):   row 0 target col 0: log(1+e^(.3-.7)); row 1 target col 1: log(1+e^(.6-1.4))
  // pair axis (columns): col 0 target row 0: log(1+e^(.6-.7)); col 1 target row 1: log(1+e^(.3-1.4))
  const cls = (Math.log(1 + Math.exp(-0.4)) + Math.log(1 + Math.exp(-0.8))) / 2;
  const pair = (Math.log(1 + Math.exp(-0.1)) + Math.log(1 + Math.exp(-1.1))) / 2;
  const z = tf.tensor2d([
    [1, 0],
    [0, 2],
  ]);
  const args = [z, i32([0, 1]), i32([1, 0]), 0.7] as const;
  assertAllClose(icmPairLogits(...args).dataSync(), [0.7, 0.3, 0.6, 1.4], 1e-6, 1e-6, 'S');
  assert.ok(close(loss(icmLoss(...args, { axes: 'class' })), cls));
  assert.ok(close(loss(icmLoss(...args, { axes: 'pair' })), pair));
  assert.ok(close(loss(icmLoss(...args)), cls + pair));
});

test('matches the float64 reference on a random batch, all axes, batch and per-sample lambda', () => {
  const B = 6;
  const C = 4;
  const zf = pseudo(B * C, 7, 2);
  const Z: Mat = Array.from({ length: B }, (_, i) => zf.slice(i * C, (i + 1) * C));
  const yA = [0, 1, 2, 3, 1, 0];
  const yB = [2, 1, 0, 3, 3, 2];
  const lams = [0.9, 0.1, 0.5, 0.33, 0.75, 0.2];
  for (const axes of ['both', 'pair', 'class'] as const) {
    for (const shared of [false, true]) {
      for (const lam of [0.62, lams]) {
        const got = loss(icmLoss(tf.tensor2d(Z), i32(yA), i32(yB), typeof lam === 'number' ? lam : tf.tensor1d(lam), { axes, sharedPositives: shared }));
        const want = refIcm(Z, yA, yB, lam, axes, shared);
        assert.ok(close(got, want, 1e-5), `${axes} shared=${shared} lam=${lam}: ${got} vs ${want}`);
      }
    }
  }
});

test('gradient wrt logits matches central finite differences (float64 reference)', () => {
  const B = 5;
  const C = 3;
  const zf = pseudo(B * C, 11, 1.5);
  const Z: Mat = Array.from({ length: B }, (_, i) => zf.slice(i * C, (i + 1) * C));
  const yA = [0, 1, 2, 0, 1];
  const yB = [1, 1, 0, 2, 0];
  const lam = [0.8, 0.3, 0.55, 0.6, 0.1];
  for (const axes of ['both', 'pair', 'class'] as const) {
    const g = tf.grad((z: tf.Tensor) => icmLoss(z as tf.Tensor2D, i32(yA), i32(yB), tf.tensor1d(lam), { axes }))(tf.tensor2d(Z));
    const num = numericGrad((X) => refIcm(X, yA, yB, lam, axes), Z).flat();
    assertAllClose(g.dataSync(), num, 1e-3, 1e-6, `grad ${axes}`);
  }
});

test('S equals the logits of the explicitly mixed Dense classifier (weights and bias mixed alike)', () => {
  const B = 4;
  const D = 3;
  const C = 5;
  const F: Mat = Array.from({ length: B }, (_, i) => pseudo(D, 100 + i));
  const K: Mat = Array.from({ length: D }, (_, d) => pseudo(C, 200 + d)); // Dense kernel [D, C]
  const bias = pseudo(C, 300);
  const yA = [4, 0, 2, 2];
  const yB = [1, 0, 3, 4];
  const lam = 0.37;
  const z = tf.add(tf.matMul(tf.tensor2d(F), tf.tensor2d(K)), tf.tensor1d(bias)) as tf.Tensor2D;
  const S = icmPairLogits(z, i32(yA), i32(yB), lam).arraySync();
  for (let i = 0; i < B; i++) {
    for (let j = 0; j < B; j++) {
      let want = lam * bias[yA[j]] + (1 - lam) * bias[yB[j]];
      for (let d = 0; d < D; d++) want += F[i][d] * (lam * K[d][yA[j]] + (1 - lam) * K[d][yB[j]]);
      assert.ok(close(S[i][j], want, 1e-5, 1e-6), `S[${i}][${j}] = ${S[i][j]}, mixed classifier gives ${want}`);
    }
  }
});

test('lam = 1 and yA = yB: ICM is cross-entropy over the batch classifiers', () => {
  // S_ij = Z_i[y_j]; with y a permutation of all C classes the class axis is exactly CE(Z, y).
  const zf = pseudo(9, 5, 2);
  const z = tf.tensor2d(zf, [3, 3]);
  const y = i32([2, 0, 1]);
  const cls = loss(icmLoss(z, y, y, 1, { axes: 'class' }));
  assert.ok(close(cls, loss(ceLoss(z, y)), 1e-5), 'class axis = CE');
  // Both axes by hand: rows softmax over Z_i[y_j], columns softmax over Z_i[y_j] for i.
  const Z = z.arraySync();
  const yv = [2, 0, 1];
  const S = Z.map((r) => yv.map((c) => r[c]));
  let rows = 0;
  let cols = 0;
  for (let i = 0; i < 3; i++) {
    rows += Math.log(S[i].reduce((s, v) => s + Math.exp(v), 0)) - S[i][i];
    cols += Math.log(S.reduce((s, r) => s + Math.exp(r[i]), 0)) - S[i][i];
  }
  assert.ok(close(loss(icmLoss(z, y, y, 1)), (rows + cols) / 3, 1e-5));
  // The lambda of a same-class pair does not matter.
  assert.ok(close(loss(icmLoss(z, y, y, 0.3)), (rows + cols) / 3, 1e-5));
});

test('shared positives: twins (also (a,b,λ) = (b,a,1−λ)) share a uniform target, and the loss equals the identity one', () => {
  const yA = [0, 0, 1, 1, 2];
  const yB = [1, 1, 0, 2, 2];
  const lam = [0.6, 0.6, 0.4, 0.5, 0.3];
  const mixed = mixedTargets(i32(yA), i32(yB), tf.tensor1d(lam), 3);
  const T = sharedPositiveTargets(mixed).arraySync();
  const third = 1 / 3;
  const want = [
    [third, third, third, 0, 0],
    [third, third, third, 0, 0],
    [third, third, third, 0, 0],
    [0, 0, 0, 1, 0],
    [0, 0, 0, 0, 1],
  ];
  assertAllClose(T.flat(), want.flat(), 1e-6, 1e-7, 'target');

  const zf = pseudo(15, 3, 2);
  const Z: Mat = Array.from({ length: 5 }, (_, i) => zf.slice(i * 3, i * 3 + 3));
  const z = tf.tensor2d(Z);
  const run = (axes: 'both' | 'pair' | 'class', sharedPositives: boolean) =>
    loss(icmLoss(z, i32(yA), i32(yB), tf.tensor1d(lam), { axes, sharedPositives }));
  assert.ok(close(run('both', true), refIcm(Z, yA, yB, lam, 'both', true), 1e-5));
  // Twin columns of S are identical for any logits, so the soft target gives the same loss as the
  // identity: per row on the class axis, and summed over each twin group on the pair axis.
  assert.ok(close(run('class', true), run('class', false), 1e-5));
  assert.ok(close(run('pair', true), run('pair', false), 1e-5));
  assert.ok(close(refIcm(Z, yA, yB, lam, 'pair', true), refIcm(Z, yA, yB, lam, 'pair', false), 1e-12));
  // ... hence the same gradient.
  const grad = (sharedPositives: boolean) =>
    tf.grad((t: tf.Tensor) => icmLoss(t as tf.Tensor2D, i32(yA), i32(yB), tf.tensor1d(lam), { sharedPositives }))(z).dataSync();
  assertAllClose(grad(true), grad(false), 1e-4, 1e-6, 'grad shared vs identity');
  // Per column, though, the pair-axis terms do differ (the equality is over the twin group).
  const col0 = (T: number[]) => {
    const S = icmPairLogits(z, i32(yA), i32(yB), tf.tensor1d(lam)).arraySync().map((r) => r[0]);
    const lse = Math.log(S.reduce((a, v) => a + Math.exp(v), 0));
    return -T.reduce((a, t, i) => a + t * (S[i] - lse), 0);
  };
  assert.ok(Math.abs(col0([third, third, third, 0, 0]) - col0([1, 0, 0, 0, 0])) > 1e-3);
  // Without twins the option is a no-op.
  const y2 = [0, 1, 2, 0, 1];
  const y2b = [1, 2, 0, 2, 1];
  const a = loss(icmLoss(z, i32(y2), i32(y2b), 0.7, { sharedPositives: true }));
  const b = loss(icmLoss(z, i32(y2), i32(y2b), 0.7));
  assert.ok(close(a, b, 1e-6));
});
