import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildOodSets, defaultOodNames, SYNTHETIC_OOD } from '../../../src/infer/suites/index.js';
import { IcmixError } from '../../../src/util/errors.js';
import type { ImageShape } from '../../../src/types.js';
import { shapeImages, writeIdxDataset } from './fixtures.js';

const shape: ImageShape = [10, 10, 1];
const n = 12;
const idImages = shapeImages(n, shape, 2);
const id = { images: idImages, shape, n };

test('synthetic OOD sets are reproducible, seed-dependent where random, in [0,1], shaped like the ID set', async () => {
  const names = SYNTHETIC_OOD.map((s) => s.name);
  assert.deepEqual(names, ['gaussian-noise', 'uniform-noise', 'inverted', 'blurred']);
  const a = await buildOodSets(id, { names, seed: 1 });
  const b = await buildOodSets(id, { names, seed: 1 });
  const c = await buildOodSets(id, { names, seed: 2 });
  for (let i = 0; i < names.length; i++) {
    assert.equal(a[i].n, n);
    assert.equal(a[i].images.length, n * 100);
    assert.deepEqual(Buffer.from(a[i].images.buffer), Buffer.from(b[i].images.buffer), `${names[i]} not reproducible`);
    for (const v of a[i].images) assert.ok(v >= 0 && v <= 1);
  }
  assert.notDeepEqual(a[0].images, c[0].images);
  assert.notDeepEqual(a[1].images, c[1].images);
  assert.equal(a[0].kind, 'far');
  assert.equal(a[2].kind, 'near');
  // inverted is exactly 1 - x of the ID images (all of them, in order, when not subsampled).
  a[2].images.forEach((v, i) => assert.equal(v, Math.fround(1 - idImages[i])));
  // Uniform noise has mean ~0.5 and variance ~1/12.
  const u = a[1].images;
  const mean = u.reduce((s, v) => s + v, 0) / u.length;
  assert.ok(Math.abs(mean - 0.5) < 0.03);
  // Blurred keeps the mean intensity roughly (blur is mass-preserving up to edge clamping).
  const m0 = idImages.reduce((s, v) => s + v, 0) / idImages.length;
  const m1 = a[3].images.reduce((s, v) => s + v, 0) / idImages.length;
  assert.ok(Math.abs(m0 - m1) < 0.02, `${m0} vs ${m1}`);
});

test('samples caps each OOD set with a seeded subset', async () => {
  const [s] = await buildOodSets(id, { names: ['inverted'], samples: 5, seed: 3 });
  assert.equal(s.n, 5);
  assert.equal(s.images.length, 500);
});

test('any dataset icmix reads can be OOD; shapes must match; the ID dataset itself is refused', async () => {
  const dir = await writeIdxDataset({ h: 10, w: 10, classes: 3, train: 6, test: 9 });
  const [s] = await buildOodSets(id, { names: [`idx:${dir}`], seed: 0 });
  assert.equal(s.kind, 'far');
  assert.equal(s.n, 9);
  const small = await writeIdxDataset({ h: 6, w: 6, classes: 3, train: 4, test: 4 });
  await assert.rejects(buildOodSets(id, { names: [`idx:${small}`], seed: 0 }), (e: Error) => e instanceof IcmixError && /\[6,6,1\].*\[10,10,1\]/.test(e.message));
  await assert.rejects(buildOodSets(id, { names: ['no-such-set'], seed: 0 }), (e: Error) => e instanceof IcmixError && /neither a synthetic set/.test(e.message));
  await assert.rejects(buildOodSets(id, { names: ['mnist'], dataset: 'mnist', seed: 0 }), IcmixError);
  assert.deepEqual(defaultOodNames('fashion-mnist'), ['mnist', ...SYNTHETIC_OOD.map((x) => x.name)]);
  assert.deepEqual(defaultOodNames('mnist')[0], 'fashion-mnist');
});
