import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { cutmixInputs, drawCutmixBox } from '../../../src/train/mixers/cutmix.js';
import { drawLambda } from '../../../src/train/mixers/lambda.js';
import { mixInputs } from '../../../src/train/mixers/mixup.js';
import { remixLabelLambda } from '../../../src/train/mixers/remix.js';
import { Rng } from '../../../src/util/rng.js';
import { IcmixError } from '../../../src/util/errors.js';
import { assertAllClose } from './ref.js';

before(async () => {
  await tf.setBackend('cpu');
});

test('mixInputs: batch and per-sample lambda, worked by hand', () => {
  // two 1×2×1 images: a = [1, 2], b = [10, 20]; perm swaps them
  const x = tf.tensor4d([1, 2, 10, 20], [2, 1, 2, 1]);
  const perm = Int32Array.from([1, 0]);
  // 0.25·a + 0.75·b = [7.75, 15.5]; 0.25·b + 0.75·a = [3.25, 6.5]
  assertAllClose(mixInputs(x, perm, 0.25).dataSync(), [7.75, 15.5, 3.25, 6.5], 1e-6, 1e-6, 'batch');
  // lam = [1, 0.5]: a; 0.5·b + 0.5·a = [5.5, 11]
  assertAllClose(mixInputs(x, perm, Float32Array.from([1, 0.5])).dataSync(), [1, 2, 5.5, 11], 1e-6, 1e-6, 'sample');
  assert.throws(() => mixInputs(x, Int32Array.from([0]), 0.5), IcmixError);
});

test('drawCutmixBox: in bounds, lambda equals 1 − area/(H·W), side ≤ sqrt(1−λ)·side, seeded', () => {
  const rng = new Rng(42);
  const H = 28;
  const W = 20;
  let clipped = 0;
  for (let k = 0; k < 500; k++) {
    const lam0 = rng.next();
    const box = drawCutmixBox(H, W, lam0, rng);
    assert.ok(box.y0 >= 0 && box.y0 <= box.y1 && box.y1 <= H && box.x0 >= 0 && box.x0 <= box.x1 && box.x1 <= W, JSON.stringify(box));
    const area = (box.y1 - box.y0) * (box.x1 - box.x0);
    assert.equal(box.lam, 1 - area / (H * W));
    const r = Math.sqrt(1 - lam0);
    assert.ok(box.y1 - box.y0 <= Math.floor(H * r) && box.x1 - box.x0 <= Math.floor(W * r));
    // Clipping only shrinks the box, so the corrected lambda is never below the drawn one (up to flooring).
    assert.ok(box.lam >= 1 - (Math.floor(H * r) * Math.floor(W * r)) / (H * W) - 1e-12);
    if (box.y1 - box.y0 < 2 * Math.floor(Math.floor(H * r) / 2)) clipped++;
  }
  assert.ok(clipped > 0, 'some boxes were clipped at the border');
  // lam = 1: empty box; lam = 0 with the centre in the middle covers the whole image except flooring.
  assert.equal(drawCutmixBox(H, W, 1, new Rng(1)).lam, 1);
  const a = drawCutmixBox(H, W, 0.3, new Rng(9));
  const b = drawCutmixBox(H, W, 0.3, new Rng(9));
  assert.deepEqual(a, b);
  assert.throws(() => drawCutmixBox(H, W, 1.5, new Rng(1)), IcmixError);
});

test('cutmixInputs pastes the partner inside the box only', () => {
  const B = 2;
  const H = 4;
  const W = 3;
  const C = 2;
  const vals = Array.from({ length: B * H * W * C }, (_, i) => i);
  const x = tf.tensor4d(vals, [B, H, W, C]);
  const box = { y0: 1, y1: 3, x0: 0, x1: 2, lam: 1 - 4 / 12 };
  const out = cutmixInputs(x, Int32Array.from([1, 0]), box).dataSync();
  const at = (b: number, h: number, w: number, c: number) => ((b * H + h) * W + w) * C + c;
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++)
        for (let c = 0; c < C; c++) {
          const inside = h >= 1 && h < 3 && w >= 0 && w < 2;
          assert.equal(out[at(b, h, w, c)], vals[at(inside ? 1 - b : b, h, w, c)]);
        }
});

test('remixLabelLambda follows the Remix rules (κ = 3, τ = 0.5)', () => {
  const counts = [300, 100, 10];
  const yA = [0, 0, 1, 1, 0, 2, 0, 1];
  const yB = [1, 1, 0, 0, 0, 1, 2, 2];
  const lam = Float32Array.from([0.4, 0.6, 0.7, 0.4, 0.2, 0.9, 0.49, 0.5]);
  // ratio n(yA)/n(yB): 3, 3, 1/3, 1/3, 1, 0.1, 30, 10
  const want = [
    0, // majority sample, λ < τ: all label weight to the minority partner
    0.6, // majority, but λ ≥ τ
    1, // minority sample and 1−λ = .3 < τ
    0.4, // minority, but 1−λ = .6 ≥ τ
    0.2, // same class count: plain λ
    1, // ratio .1 ≤ 1/3 and 1−λ = .1 < τ
    0, // ratio 30 ≥ 3 and λ = .49 < τ
    0.5, // ratio 10 ≥ 3 but λ = .5 is not < τ
  ];
  assertAllClose(remixLabelLambda(lam, yA, yB, counts, 3, 0.5), want, 1e-7, 1e-7, 'remix');
  // One lambda for the batch gives per-sample label weights.
  assertAllClose(remixLabelLambda(0.3, [0, 1, 0], [1, 0, 0], counts, 3, 0.5), [0, 0.3, 0.3], 1e-7, 1e-7, 'batch');
  assert.throws(() => remixLabelLambda(0.3, [0], [1], [5, 0], 3, 0.5), IcmixError);
});

test('drawLambda: Beta(α, α) in [0, 1], seeded, α ≤ 0 means no mixing, per-sample length', () => {
  assert.equal(drawLambda(0, new Rng(1)), 1);
  assert.equal(drawLambda(0.2, new Rng(5)), drawLambda(0.2, new Rng(5)));
  const many = drawLambda(20, new Rng(3), 4000);
  assert.equal(many.length, 4000);
  let mean = 0;
  let sq = 0;
  for (const v of many) {
    assert.ok(v >= 0 && v <= 1);
    mean += v / many.length;
  }
  for (const v of many) sq += (v - mean) ** 2 / many.length;
  // Beta(20, 20): mean 1/2, variance 1/(4·41) ≈ 0.0061; 4000 draws put the mean within ~0.004.
  assert.ok(Math.abs(mean - 0.5) < 0.005, `mean ${mean}`);
  assert.ok(Math.abs(sq - 1 / 164) < 0.001, `variance ${sq}`);
  // Beta(0.2, 0.2) piles up near 0 and 1.
  const u = drawLambda(0.2, new Rng(4), 4000);
  const extreme = u.filter((v) => v < 0.1 || v > 0.9).length / u.length;
  assert.ok(extreme > 0.6, `extreme share ${extreme}`);
});
