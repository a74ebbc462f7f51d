import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchSlices, epochOrder, gatherImages, subset, type ImageSet } from '../../src/data/index.js';
import { Rng } from '../../src/util/rng.js';

const set: ImageSet = {
  images: Float32Array.from({ length: 5 * 2 }, (_, i) => i / 16), // 5 images of 1x1x2
  labels: Int32Array.from([0, 1, 2, 1, 0]),
  shape: [1, 1, 2],
  numClasses: 3,
  classNames: ['a', 'b', 'c'],
};

test('epoch order is a seeded permutation', () => {
  const a = epochOrder(100, new Rng(4));
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
  assert.deepEqual(a, epochOrder(100, new Rng(4)));
  assert.notDeepEqual(a, epochOrder(100, new Rng(5)));
});

test('batch slices cover the order; dropLast drops the short tail', () => {
  const order = Int32Array.from([4, 2, 0, 1, 3]);
  assert.deepEqual(batchSlices(order, 2).map((b) => [...b]), [[4, 2], [0, 1], [3]]);
  assert.deepEqual(batchSlices(order, 2, true).map((b) => [...b]), [[4, 2], [0, 1]]);
});

test('gatherImages copies images and labels in index order', () => {
  const { images, labels } = gatherImages(set, [3, 0, 3]);
  assert.deepEqual([...labels], [1, 0, 1]);
  assert.deepEqual([...images], [6, 7, 0, 1, 6, 7].map((v) => v / 16));
});

test('subset is an independent copy', () => {
  const s = subset(set, Int32Array.from([4, 1]));
  assert.deepEqual([...s.labels], [0, 1]);
  assert.deepEqual([...s.images], [8, 9, 2, 3].map((v) => v / 16));
  s.images[0] = 99;
  assert.equal(set.images[8], 0.5);
  assert.deepEqual(s.classNames, set.classNames);
  assert.throws(() => subset(set, [5]), /index 5 out of range/);
});
