import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeNormalization, denormalize, normalize } from '../../src/data/index.js';

test('per-channel mean/std match a hand computation', () => {
  // Two 1x2 RGB images: channel 0 takes 0, .5, .5, 1; channel 1 all .25; channel 2 0, 0, 0, 1.
  const images = Float32Array.from([0, 0.25, 0, 0.5, 0.25, 0, 0.5, 0.25, 0, 1, 0.25, 1]);
  const norm = computeNormalization({ images, shape: [1, 2, 3] });
  // ch0: mean .5, var ((.25 + 0 + 0 + .25) / 4) = .125; ch2: mean .25, var (3*.0625 + .5625)/4 = .1875
  assert.deepEqual(norm.mean, [0.5, 0.25, 0.25]);
  assert.ok(Math.abs(norm.std[0] - Math.sqrt(0.125)) < 1e-12);
  assert.equal(norm.std[1], 1); // constant channel: std 1 so normalising stays finite
  assert.ok(Math.abs(norm.std[2] - Math.sqrt(0.1875)) < 1e-12);

  const out = normalize(images, [1, 2, 3], norm);
  const want = [0, 0.5, 0.5, 1].map((v) => (v - 0.5) / Math.sqrt(0.125));
  assert.deepEqual([0, 3, 6, 9].map((i) => out[i]), want.map(Math.fround));
  assert.deepEqual([1, 4, 7, 10].map((i) => out[i]), [0, 0, 0, 0]);
  // Normalised channels have mean 0 and std 1.
  const again = computeNormalization({ images: out, shape: [1, 2, 3] });
  assert.ok(Math.abs(again.mean[0]) < 1e-7 && Math.abs(again.std[0] - 1) < 1e-6);
  assert.ok(Math.abs(again.mean[2]) < 1e-7 && Math.abs(again.std[2] - 1) < 1e-6);
  const back = denormalize(out, [1, 2, 3], norm);
  back.forEach((v, i) => assert.ok(Math.abs(v - images[i]) < 1e-6));
});

test('single channel: mean/std over every pixel; normalize does not touch its input', () => {
  const images = Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
  const copy = images.slice();
  const norm = computeNormalization({ images, shape: [2, 2, 1] });
  const xs = Array.from(images);
  const m = xs.reduce((a, b) => a + b) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
  assert.ok(Math.abs(norm.mean[0] - m) < 1e-12);
  assert.ok(Math.abs(norm.std[0] - sd) < 1e-12);
  const out = normalize(images, [2, 2, 1], norm);
  out.forEach((v, i) => assert.equal(v, Math.fround((images[i] - norm.mean[0]) / norm.std[0])));
  assert.deepEqual(images, copy);
  assert.throws(() => normalize(images, [2, 2, 1], { mean: [0, 0, 0], std: [1, 1, 1] }), /3 means \/ 3 stds for 1 channels/);
});

test('two channels (the generic loop) agree with the formula', () => {
  const images = Float32Array.from([0, 1, 1, 0, 0.5, 0.5, 0.25, 0.75]);
  const norm = computeNormalization({ images, shape: [2, 2, 2] });
  // ch0: 0, 1, .5, .25 -> mean .4375; ch1: 1, 0, .5, .75 -> mean .5625
  assert.deepEqual(norm.mean, [0.4375, 0.5625]);
  const out = normalize(images, [2, 2, 2], norm);
  out.forEach((v, i) => assert.equal(v, Math.fround((images[i] - norm.mean[i % 2]) * (1 / norm.std[i % 2]))));
});
