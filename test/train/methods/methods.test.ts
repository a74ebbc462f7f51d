import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { icmLoss } from '../../../src/train/objectives/icm.js';
import { ceLoss, mixupLoss } from '../../../src/train/objectives/soft-ce.js';
import { mixInputs } from '../../../src/train/mixers/mixup.js';
import { createMixer } from '../../../src/train/mixers/index.js';
import { createObjective } from '../../../src/train/objectives/index.js';
import {
  createMethod,
  getMethod,
  listMethods,
  METHOD_NAMES,
  METHODS,
  type MethodOptions,
  type MixDraw,
} from '../../../src/train/methods/index.js';
import { methodApplies } from '../../../src/study/cells.js';
import type { ImageShape } from '../../../src/types.js';
import { IcmixError } from '../../../src/util/errors.js';
import { Rng } from '../../../src/util/rng.js';
import { assertAllClose, close, pseudo } from '../losses/ref.js';
import { lossAndLogitGrads, mixOnHost } from '../../../src/train/parallel/batch.js';

before(async () => {
  await tf.setBackend('cpu');
});

const SHAPE: ImageShape = [4, 4, 1];
const B = 6;
const C = 3;
/** The old tests' context: alpha 0.4 for every method, long-tailed counts. */
interface Ctx extends MethodOptions {
  classCounts: number[];
}
const ctx = (over: Partial<Ctx> = {}): Ctx => ({ classCounts: [30, 10, 3], alpha: 0.4, gamma: 1, kappa: 3, tau: 0.5, lambdaMode: 'batch', ...over });
const method = (name: string, c: Ctx = ctx()) => createMethod(name, c, { numClasses: C, classCounts: c.classCounts });

/** A linear model on flattened pixels: logits = flatten(x)·K + b. */
function tinyModel() {
  const d = SHAPE[0] * SHAPE[1] * SHAPE[2];
  const K = tf.variable(tf.tensor2d(pseudo(d * C, 17, 0.5), [d, C]), true, `K${Math.random()}`);
  const bias = tf.variable(tf.tensor1d(pseudo(C, 19, 0.1)), true, `b${Math.random()}`);
  const forward = (x: tf.Tensor4D) => tf.add(tf.matMul(tf.reshape(x, [x.shape[0], -1]), K), bias) as tf.Tensor2D;
  return { K, bias, forward };
}

const batch = () => ({
  x: tf.tensor4d(pseudo(B * 16, 23, 1), [B, ...SHAPE]),
  y: tf.tensor1d([0, 1, 2, 0, 0, 1], 'int32'),
});

test('the registry lists every method and rejects unknown names', () => {
  assert.deepEqual(listMethods(), ['ce', 'mixup', 'cutmix', 'regmixup', 'remix', 'icm', 'icm-pair', 'icm-class', 'icm-shared', 'reg-icm', 'remix-icm', 'cutmix-icm']);
  assert.deepEqual(METHOD_NAMES, listMethods());
  for (const n of listMethods()) assert.equal(getMethod(n).name, n);
  assert.deepEqual(METHOD_NAMES.filter((n) => getMethod(n).pairwise), ['icm', 'icm-pair', 'icm-class', 'icm-shared', 'reg-icm', 'remix-icm', 'cutmix-icm']);
  assert.deepEqual(METHOD_NAMES.filter((n) => getMethod(n).longTailOnly), ['remix', 'remix-icm']);
  assert.deepEqual(METHOD_NAMES.filter((n) => getMethod(n).cleanCE), ['regmixup', 'reg-icm']);
  assert.throws(() => getMethod('nope'), (e: unknown) => e instanceof IcmixError && /choose one of/.test(e.message));
  assert.equal(getMethod('icm').defaults.alpha, 0.2);
  assert.equal(getMethod('mixup').defaults.alpha, 0.2);
  assert.equal(getMethod('cutmix').defaults.alpha, 1);
  assert.deepEqual(getMethod('regmixup').defaults, { alpha: 20, gamma: 1 });
  assert.deepEqual(getMethod('reg-icm').defaults, { alpha: 20, gamma: 1 });
});

test('every method gives a finite scalar loss with finite, non-zero gradients (batch and per-sample λ)', () => {
  const { K, bias, forward } = tinyModel();
  const { x, y } = batch();
  for (const name of listMethods()) {
    for (const lambdaMode of ['batch', 'sample'] as const) {
      const m = method(name, ctx({ lambdaMode }));
      const draw = m.draw(B, SHAPE, new Rng(3));
      const { value, grads } = tf.variableGrads(() => m.loss(forward, x, y, draw), [K, bias]);
      assert.equal(value.rank, 0, name);
      assert.ok(Number.isFinite(value.dataSync()[0]), `${name}: loss ${value.dataSync()[0]}`);
      for (const g of [grads[K.name], grads[bias.name]]) {
        const v = g.dataSync();
        assert.ok(v.every(Number.isFinite), `${name}: finite grads`);
        assert.ok(v.some((e) => e !== 0), `${name}: non-zero grads`);
      }
    }
  }
});

test('draws are seeded, use the Rng only, and have the right form', () => {
  for (const name of listMethods()) {
    const m = method(name);
    const a = m.draw(B, SHAPE, new Rng(8));
    const b = m.draw(B, SHAPE, new Rng(8));
    assert.deepEqual(a, b, name);
    assert.deepEqual([...a.perm].sort(), [0, 1, 2, 3, 4, 5], `${name}: perm is a permutation`);
  }
  const s = method('mixup', ctx({ lambdaMode: 'sample' })).draw(B, SHAPE, new Rng(8));
  assert.ok(s.lam instanceof Float32Array && s.lam.length === B);
  const cm = method('cutmix', ctx({ lambdaMode: 'sample' })).draw(B, SHAPE, new Rng(8));
  assert.ok(cm.box && typeof cm.lam === 'number' && cm.lam === cm.box.lam);
  // ce draws nothing.
  const r = new Rng(8);
  const before = r.getState();
  method('ce').draw(B, SHAPE, r);
  assert.equal(r.getState(), before);
});

test('methods compute what they say, checked against the loss functions composed by hand', () => {
  const { forward } = tinyModel();
  const { x, y } = batch();
  const draw: MixDraw = { perm: Int32Array.from([2, 0, 1, 5, 3, 4]), lam: 0.3 };
  const yB = tf.gather(y, tf.tensor1d(draw.perm, 'int32')) as tf.Tensor1D;
  const zMix = forward(mixInputs(x, draw.perm, 0.3));
  const zClean = forward(x);
  const v = (name: string, c = ctx()) => method(name, c).loss(forward, x, y, draw).dataSync()[0];
  const s = (t: tf.Scalar) => t.dataSync()[0];

  assert.ok(close(v('ce'), s(ceLoss(zClean, y))));
  assert.ok(close(v('mixup'), s(mixupLoss(zMix, y, yB, 0.3))));
  assert.ok(close(v('icm'), s(icmLoss(zMix, y, yB, 0.3))));
  assert.ok(close(v('icm-class'), s(icmLoss(zMix, y, yB, 0.3, { axes: 'class' }))));
  assert.ok(close(v('icm-pair'), s(icmLoss(zMix, y, yB, 0.3, { axes: 'pair' }))));
  assert.ok(close(v('icm-class') + v('icm-pair'), v('icm'), 1e-5));
  const g = ctx({ gamma: 0.7 });
  assert.ok(close(v('regmixup', g), s(ceLoss(zClean, y)) + 0.7 * s(mixupLoss(zMix, y, yB, 0.3)), 1e-5));
  assert.ok(close(v('reg-icm', g), s(ceLoss(zClean, y)) + 0.7 * s(icmLoss(zMix, y, yB, 0.3)), 1e-5));
  // Remix with balanced counts never fires (ratio 1), so it is Mixup / ICM.
  const flat = ctx({ classCounts: [5, 5, 5] });
  assert.ok(close(v('remix', flat), v('mixup'), 1e-6));
  assert.ok(close(v('remix-icm', flat), v('icm'), 1e-6));
  // Long-tailed counts [30,10,3]: pairs (y, y_perm) = (0,2),(1,0),(2,1),(0,1),(0,0),(1,0); λ = .3 < τ.
  // Label weights: (0,2) ratio 10 → 0; (1,0) ratio 1/3 but 1−λ = .7 ≥ τ → .3; (2,1) ratio .3 → 1−λ ≥ τ → .3;
  // (0,1) ratio 3 → 0; (0,0) → .3; (1,0) → .3.
  const lamY = tf.tensor1d([0, 0.3, 0.3, 0, 0.3, 0.3]);
  assert.ok(close(v('remix'), s(mixupLoss(zMix, y, yB, lamY)), 1e-5));
  assert.ok(close(v('remix-icm'), s(icmLoss(zMix, y, yB, lamY)), 1e-5));
});

test('cutmix methods use the box and its area-corrected λ', () => {
  const { forward } = tinyModel();
  const { x, y } = batch();
  const box = { y0: 0, y1: 2, x0: 1, x1: 4, lam: 1 - 6 / 16 };
  const draw: MixDraw = { perm: Int32Array.from([1, 2, 3, 4, 5, 0]), lam: box.lam, box };
  const xs = x.arraySync();
  const xm = xs.map((img, b) => img.map((row, h) => row.map((px, w) => (h < 2 && w >= 1 ? xs[draw.perm[b]][h][w] : px))));
  const z = forward(tf.tensor4d(xm));
  const yB = tf.gather(y, tf.tensor1d(draw.perm, 'int32')) as tf.Tensor1D;
  const got = method('cutmix').loss(forward, x, y, draw).dataSync()[0];
  assert.ok(close(got, mixupLoss(z, y, yB, 0.625).dataSync()[0], 1e-5));
  const gotIcm = method('cutmix-icm').loss(forward, x, y, draw).dataSync()[0];
  assert.ok(close(gotIcm, icmLoss(z, y, yB, 0.625).dataSync()[0], 1e-5));
});

test('remix methods explain a bad class-count list', () => {
  // Refused when the method is built, before any step runs.
  assert.throws(() => method('remix', ctx({ classCounts: [1, 2] })), (e: unknown) => e instanceof IcmixError && /training count of each of the 3 classes, got 2/.test(e.message));
});

test('alpha and gamma: the config, else the preset, else 1; the others as given', () => {
  const base: MethodOptions = { kappa: 2, tau: 0.3, lambdaMode: 'sample' };
  const data = { numClasses: C, classCounts: [1, 1, 1] };
  assert.deepEqual(createMethod('regmixup', base, data).params, { alpha: 20, gamma: 1, kappa: 2, tau: 0.3, lambdaMode: 'sample' });
  assert.deepEqual(createMethod('ce', base, data).params, { alpha: 1, gamma: 1, kappa: 2, tau: 0.3, lambdaMode: 'sample' });
  assert.deepEqual(createMethod('icm', { ...base, alpha: 0.5, gamma: 3 }, data).params, { alpha: 0.5, gamma: 3, kappa: 2, tau: 0.3, lambdaMode: 'sample' });
  assert.throws(() => createMethod('nope', base, data), (e: unknown) => e instanceof IcmixError && /unknown method 'nope'; choose one of: ce, mixup/.test(e.message));
});

test('the study runs a longTailOnly preset on long-tailed protocols only', () => {
  for (const name of METHOD_NAMES) {
    const lt = Boolean((METHODS[name] as { longTailOnly?: boolean }).longTailOnly);
    assert.equal(methodApplies(name, 'long-tailed'), true, name);
    assert.equal(methodApplies(name, 'balanced'), !lt, name);
    assert.equal(methodApplies(name, 'data-constrained'), !lt, name);
  }
});

test('mixers and objectives compose beyond the presets: no mixing under the ICM objective', () => {
  const { forward } = tinyModel();
  const { x, y } = batch();
  const mixer = createMixer('none', { ...ctx(), alpha: 1, gamma: 1, numClasses: C });
  const r = new Rng(4);
  const before = r.getState();
  const draw = mixer.draw(B, SHAPE, r);
  assert.equal(r.getState(), before);
  const b = mixer.mix(x, y, draw);
  assert.equal(b.x, x);
  assert.equal(b.yB, undefined);
  const z = forward(x);
  const got = createObjective({ kind: 'icm', axes: 'class' }).loss(z, b).dataSync()[0];
  assert.ok(close(got, icmLoss(z, y, y, 1, { axes: 'class' }).dataSync()[0], 1e-6));
  // Soft CE on an unmixed batch is plain CE.
  assert.ok(close(createObjective({ kind: 'softCE' }).loss(z, b).dataSync()[0], ceLoss(z, y).dataSync()[0], 1e-6));
});

// What a data-parallel worker computes (src/train/parallel): the batch mixed once on the host, the
// whole batch's loss from the logits alone, and each slice backpropagating its rows of dLoss/dZ.
test('every method: the loss on the logits and the sliced backprop of its logit gradient give loss and gradients of the in-process step', () => {
  const { K, bias, forward } = tinyModel();
  const { x, y } = batch();
  const images = x.dataSync() as Float32Array;
  const labels = y.dataSync() as Int32Array;
  for (const name of listMethods()) {
    for (const lambdaMode of ['batch', 'sample'] as const) {
      const m = method(name, ctx({ lambdaMode }));
      const draw = m.draw(B, SHAPE, new Rng(5));
      const want = tf.variableGrads(() => m.loss(forward, x, y, draw), [K, bias]);
      const host = mixOnHost(m, images, labels, SHAPE, draw);
      const logits = (img: Float32Array) => forward(tf.tensor4d(img, [B, ...SHAPE])).dataSync() as Float32Array;
      const d = lossAndLogitGrads(m, host.targets, C, logits(host.mixed), host.clean && logits(host.clean));
      assert.ok(close(d.loss, want.value.dataSync()[0]), `${name} (${lambdaMode}): loss ${d.loss} vs ${want.value.dataSync()[0]}`);
      // Two slices, rows [0, 2) and [2, 6): each backpropagates sum(Z_rows * dZ_rows); the sum is the gradient.
      const sum = { K: tf.zerosLike(K), b: tf.zerosLike(bias) };
      for (const [s, e] of [[0, 2], [2, B]]) {
        const part = (img: Float32Array, dz: Float32Array) =>
          tf.sum(tf.mul(forward(tf.tensor4d(img.slice(s * 16, e * 16), [e - s, ...SHAPE])), tf.tensor2d(dz.slice(s * C, e * C), [e - s, C])));
        const g = tf.variableGrads(() => (host.clean && d.dClean ? tf.add(part(host.clean, d.dClean), part(host.mixed, d.dMixed)) : part(host.mixed, d.dMixed)) as tf.Scalar, [K, bias]);
        sum.K = tf.add(sum.K, g.grads[K.name]);
        sum.b = tf.add(sum.b, g.grads[bias.name]);
      }
      assertAllClose(sum.K.dataSync(), want.grads[K.name].dataSync(), 1e-5, 1e-6, `${name} (${lambdaMode}): dK`);
      assertAllClose(sum.b.dataSync(), want.grads[bias.name].dataSync(), 1e-5, 1e-6, `${name} (${lambdaMode}): db`);
    }
  }
});
