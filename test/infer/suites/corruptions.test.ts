import { test } from 'node:test';
import assert from 'node:assert/strict';
import { corrupt, corruptionSets, listCorruptions, SEVERITIES } from '../../../src/infer/suites/index.js';
import { poisson } from '../../../src/infer/suites/corruptions/noise.js';
import { Rng } from '../../../src/util/rng.js';
import { IcmixError } from '../../../src/util/errors.js';
import type { ImageShape } from '../../../src/types.js';
import { shapeImages } from './fixtures.js';

const REQUIRED = ['gaussian-noise', 'shot-noise', 'impulse-noise', 'gaussian-blur', 'motion-blur', 'contrast', 'brightness', 'pixelate', 'rotate', 'translate', 'zoom', 'elastic'];

function meanAbsDiff(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

test('the registry has every required corruption, each with 5 severities', () => {
  const names = listCorruptions().map((c) => c.name);
  for (const r of REQUIRED) assert.ok(names.includes(r), `missing ${r}`);
  assert.deepEqual([...SEVERITIES], [1, 2, 3, 4, 5]);
  assert.throws(() => corrupt(new Float32Array(4), 1, [2, 2, 1], 'fog-of-war', 1, 0), IcmixError);
  assert.throws(() => corrupt(new Float32Array(4), 1, [2, 2, 1], 'contrast', 6, 0), IcmixError);
});

for (const shape of [[28, 28, 1], [16, 16, 3]] as ImageShape[]) {
  const n = 6;
  const x = shapeImages(n, shape, 3);
  for (const c of listCorruptions()) {
    test(`${c.name} on [${shape}]: deterministic, shape-preserving, in [0,1], distortion grows with severity`, () => {
      let prev = 0;
      const dists: number[] = [];
      for (const s of SEVERITIES) {
        const a = corrupt(x, n, shape, c.name, s, 42);
        const b = corrupt(x, n, shape, c.name, s, 42);
        assert.equal(a.length, x.length);
        assert.deepEqual(Buffer.from(a.buffer), Buffer.from(b.buffer), 'same seed must give the same bytes');
        for (const v of a) assert.ok(v >= 0 && v <= 1 && Number.isFinite(v), `value ${v} outside [0,1]`);
        const d = meanAbsDiff(a, x);
        dists.push(d);
        assert.ok(d > prev, `severity ${s}: mean |x'-x| ${d} not above severity ${s - 1}'s ${prev} (${dists.map((v) => v.toFixed(4)).join(', ')})`);
        prev = d;
      }
      // The input is left untouched.
      assert.deepEqual(x, shapeImages(n, shape, 3));
    });
  }
}

test('random corruptions depend on the seed; the rest do not', () => {
  const shape: ImageShape = [12, 12, 1];
  const x = shapeImages(3, shape, 9);
  for (const name of ['gaussian-noise', 'shot-noise', 'impulse-noise', 'motion-blur', 'rotate', 'translate', 'elastic']) {
    assert.notDeepEqual(corrupt(x, 3, shape, name, 3, 1), corrupt(x, 3, shape, name, 3, 2), name);
  }
  for (const name of ['gaussian-blur', 'contrast', 'brightness', 'pixelate', 'zoom']) {
    assert.deepEqual(corrupt(x, 3, shape, name, 3, 1), corrupt(x, 3, shape, name, 3, 2), name);
  }
});

test('hand-worked cases: brightness, contrast, pixelate, zoom fixed point', () => {
  const shape: ImageShape = [2, 2, 1];
  const x = Float32Array.from([0.1, 0.3, 0.5, 0.95]);
  // brightness severity 1 adds 0.1, clipped.
  assert.deepEqual(Array.from(corrupt(x, 1, shape, 'brightness', 1, 0)), Array.from(Float32Array.from([0.2, 0.4, 0.6, 1])));
  // contrast severity 3 keeps 0.3 of the deviation from the mean 0.4625.
  const m = (0.1 + 0.3 + 0.5 + 0.95) / 4;
  const con = corrupt(x, 1, shape, 'contrast', 3, 0);
  x.forEach((v, i) => assert.ok(Math.abs(con[i] - ((v - m) * 0.3 + m)) < 1e-6));
  // pixelate severity 5 on 4x4: grid round(4 * 0.25) = 1 cell, every pixel the image mean.
  const y = Float32Array.from({ length: 16 }, (_, i) => i / 15);
  const pix = corrupt(y, 1, [4, 4, 1], 'pixelate', 5, 0);
  for (const v of pix) assert.ok(Math.abs(v - 0.5) < 1e-6);
  // zoom keeps the centre pixel of an odd-sized image.
  const z = Float32Array.from({ length: 25 }, (_, i) => (i === 12 ? 0.9 : 0.1));
  assert.ok(Math.abs(corrupt(z, 1, [5, 5, 1], 'zoom', 2, 0)[12] - 0.9) < 1e-6);
});

test('poisson sampler has the right mean and variance', () => {
  const rng = new Rng(5);
  for (const mean of [0.5, 4, 50]) {
    const k = 20000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < k; i++) {
      const v = poisson(mean, rng);
      s += v;
      s2 += v * v;
    }
    const mu = s / k;
    const variance = s2 / k - mu * mu;
    assert.ok(Math.abs(mu - mean) < 0.05 * mean + 0.02, `mean ${mu} vs ${mean}`);
    assert.ok(Math.abs(variance - mean) < 0.1 * mean + 0.05, `variance ${variance} vs ${mean}`);
  }
});

test('corruptionSets: one set per corruption x severity on a seeded subset, labels aligned', () => {
  const shape: ImageShape = [8, 8, 1];
  const n = 20;
  const images = shapeImages(n, shape, 4);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 4);
  const sets = [...corruptionSets({ images, labels, shape }, { names: ['contrast', 'rotate'], samples: 5, seed: 3 })];
  assert.equal(sets.length, 10);
  assert.deepEqual(sets.map((s) => s.key).slice(0, 2), ['corruptions:contrast:1', 'corruptions:contrast:2']);
  for (const s of sets) {
    assert.equal(s.n, 5);
    assert.equal(s.images.length, 5 * 64);
    assert.equal(s.labels?.length, 5);
  }
  // The subset is the same for every set, and its labels are those of the chosen images.
  const again = [...corruptionSets({ images, labels, shape }, { names: ['contrast'], severities: [1], samples: 5, seed: 3 })][0];
  assert.deepEqual(again.images, sets[0].images);
  assert.deepEqual(again.labels, sets[0].labels);
});
