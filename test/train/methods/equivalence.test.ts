import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createMethod, listMethods, type MethodOptions } from '../../../src/train/methods/index.js';
import type { ImageShape } from '../../../src/types.js';
import { IcmixError } from '../../../src/util/errors.js';
import { Rng } from '../../../src/util/rng.js';
import * as legacy from './legacy/losses/index.js';
import { pseudo } from '../losses/ref.js';

// The old per-method implementation (frozen under ./legacy) against the presets: same draws and
// Rng use, same loss and gradients (within 1e-6), same kernels in the same order.

before(async () => {
  await tf.setBackend('cpu');
});

const SHAPE: ImageShape = [4, 4, 1];
const B = 8;
const C = 3;
const LABELS = [0, 1, 2, 0, 0, 1, 2, 0];

function tinyModel() {
  const d = SHAPE[0] * SHAPE[1] * SHAPE[2];
  const K = tf.variable(tf.tensor2d(pseudo(d * C, 17, 0.5), [d, C]), true, `eqK${Math.random()}`);
  const bias = tf.variable(tf.tensor1d(pseudo(C, 19, 0.1)), true, `eqb${Math.random()}`);
  const forward = (x: tf.Tensor4D) => tf.add(tf.matMul(tf.reshape(x, [x.shape[0], -1]), K), bias) as tf.Tensor2D;
  return { vars: [K, bias], forward };
}

interface Case {
  counts: number[];
  lambdaMode: 'batch' | 'sample';
  alpha?: number;
  gamma?: number;
}

const CASES: Case[] = [
  { counts: [30, 10, 3], lambdaMode: 'batch' },
  { counts: [30, 10, 3], lambdaMode: 'sample' },
  { counts: [5, 5, 5], lambdaMode: 'batch', alpha: 0.7, gamma: 0.4 },
  { counts: [3, 30, 100], lambdaMode: 'sample', alpha: 2, gamma: 2.5 },
];

async function run(step: () => tf.Scalar, vars: tf.Variable[]) {
  let loss = NaN;
  let grads: Float32Array[] = [];
  const info = await tf.profile(() => {
    const { value, grads: g } = tf.variableGrads(step, vars);
    loss = value.dataSync()[0];
    grads = vars.map((v) => g[v.name].dataSync() as Float32Array);
    tf.dispose([value, ...Object.values(g)]);
  });
  return { loss, grads, kernels: info.kernels.map((k) => k.name) };
}

test('the legacy copy lists the same 12 methods in the same order', () => {
  assert.deepEqual(listMethods(), legacy.listMethods());
  assert.equal(listMethods().length, 12);
});

for (const name of legacy.listMethods()) {
  test(`${name}: same draws, Rng use, loss, gradients and kernels as the old implementation`, async () => {
    const { vars, forward } = tinyModel();
    for (const [ci, c] of CASES.entries()) {
      const old = legacy.getMethod(name);
      const ctx: legacy.MethodContext = {
        numClasses: C,
        classCounts: c.counts,
        alpha: c.alpha ?? old.defaults.alpha ?? 1,
        gamma: c.gamma ?? old.defaults.gamma ?? 1,
        kappa: 3,
        tau: 0.5,
        lambdaMode: c.lambdaMode,
      };
      const options: MethodOptions = { alpha: c.alpha, gamma: c.gamma, kappa: 3, tau: 0.5, lambdaMode: c.lambdaMode };
      const m = createMethod(name, options, { numClasses: C, classCounts: c.counts });
      const where = `${name}, case ${ci}`;
      // The manifest records the resolved alpha and gamma; they must not change either.
      assert.deepEqual([m.params.alpha, m.params.gamma], [ctx.alpha, ctx.gamma], where);
      assert.equal(m.pairwise, Boolean(old.pairwise), where);
      const rOld = new Rng(11 + ci);
      const rNew = new Rng(11 + ci);
      for (let s = 0; s < 4; s++) {
        const dOld = old.draw(B, SHAPE, rOld, ctx);
        const dNew = m.draw(B, SHAPE, rNew);
        assert.deepEqual(dNew, dOld, `${where}, step ${s}: draw`);
        assert.equal(rNew.getState(), rOld.getState(), `${where}, step ${s}: Rng state`);
        const x = tf.tensor4d(pseudo(B * 16, 23 + s, 1), [B, ...SHAPE]);
        const y = tf.tensor1d(LABELS.map((l, i) => (l + s * i) % C), 'int32');
        const a = await run(() => old.loss(forward, x, y, dOld, ctx), vars);
        const b = await run(() => m.loss(forward, x, y, dNew), vars);
        assert.ok(Number.isFinite(a.loss), `${where}: old loss ${a.loss}`);
        assert.ok(Math.abs(a.loss - b.loss) <= 1e-6, `${where}, step ${s}: loss ${b.loss} vs old ${a.loss}`);
        for (const [k, g] of a.grads.entries()) {
          for (let i = 0; i < g.length; i++) assert.ok(Math.abs(g[i] - b.grads[k][i]) <= 1e-6, `${where}: grad ${k}[${i}] ${b.grads[k][i]} vs ${g[i]}`);
        }
        assert.ok(a.kernels.length > 10, `${where}: kernels recorded`);
        assert.deepEqual(b.kernels, a.kernels, `${where}, step ${s}: kernels`);
        tf.dispose([x, y]);
      }
    }
  });
}

test('the remix presets refuse a class-count list of the wrong length, as the old ones did', () => {
  const options: MethodOptions = { kappa: 3, tau: 0.5, lambdaMode: 'batch' };
  for (const name of ['remix', 'remix-icm']) {
    assert.throws(() => createMethod(name, options, { numClasses: C, classCounts: [1, 2] }), (e: unknown) => e instanceof IcmixError && /training count of each of the 3 classes/.test(e.message));
    const old = legacy.getMethod(name);
    const ctx: legacy.MethodContext = { numClasses: C, classCounts: [1, 2], alpha: 0.2, gamma: 1, kappa: 3, tau: 0.5, lambdaMode: 'batch' };
    const x = tf.tensor4d(pseudo(B * 16, 3, 1), [B, ...SHAPE]);
    const y = tf.tensor1d(LABELS, 'int32');
    assert.throws(() => old.loss(tinyModel().forward, x, y, old.draw(B, SHAPE, new Rng(1), ctx), ctx), IcmixError);
  }
});
