import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyProtocol, classCounts, defaultValSize, longTailCounts, proportionalAllocation, type ImageSet } from '../../src/data/index.js';
import { IcmixError } from '../../src/util/errors.js';

/** `sizes[c]` images of class c, interleaved; each 1x1x1 image holds its own index / 1024 (exact in float32). */
function synth(sizes: number[]): ImageSet {
  const labels: number[] = [];
  const left = [...sizes];
  while (left.some((x) => x > 0)) left.forEach((x, c) => x > 0 && (labels.push(c), left[c]--));
  const n = labels.length;
  return {
    images: Float32Array.from({ length: n }, (_, i) => i / 1024),
    labels: Int32Array.from(labels),
    shape: [1, 1, 1],
    numClasses: sizes.length,
    classNames: sizes.map((_, c) => `c${c}`),
  };
}
const ids = (s: ImageSet) => Array.from(s.images, (v) => Math.round(v * 1024));

test('long-tail formula n_c = floor(n_max * rho^(-c/(C-1))), hand-computed', () => {
  // 90 * 9^(-c/4): 90, 51.96, 30, 17.32, 10
  assert.deepEqual(longTailCounts(90, 9, 5), [90, 51, 30, 17, 10]);
  // 5000 * 100^(-c/9) for CIFAR-10-LT: 5000, 2997.6, 1796.9, 1077.2, 645.7, 387.1, 232.1, 139.1, 83.4, 50
  assert.deepEqual(longTailCounts(5000, 100, 10), [5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50]);
  assert.deepEqual(longTailCounts(100, 1, 3), [100, 100, 100]);
});

test('largest-remainder allocation, ties to the lower class', () => {
  assert.deepEqual(proportionalAllocation([100, 60, 40], 20), [10, 6, 4]);
  assert.deepEqual(proportionalAllocation([100, 60, 40], 15), [8, 4, 3]); // 7.5, 4.5, 3
  assert.deepEqual(proportionalAllocation([90, 90, 90, 90, 90], 37), [8, 8, 7, 7, 7]);
  assert.deepEqual(proportionalAllocation([3, 0, 1], 4), [3, 0, 1]);
});

test('default validation split: 10% capped at 5000, stratified, disjoint from train', () => {
  assert.equal(defaultValSize(500), 50);
  assert.equal(defaultValSize(60000), 5000);
  const set = synth([100, 100, 100, 100, 100]);
  const r = applyProtocol(set, { seed: 3 });
  assert.equal(r.val.labels.length, 50);
  assert.deepEqual(classCounts(r.val), [10, 10, 10, 10, 10]);
  assert.deepEqual(r.classCounts, [90, 90, 90, 90, 90]);
  const all = [...ids(r.train), ...ids(r.val)].sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: 500 }, (_, i) => i)); // a partition of the source
  // Labels travel with their images.
  for (const s of [r.train, r.val]) ids(s).forEach((id, k) => assert.equal(s.labels[k], set.labels[id]));
  assert.equal(r.description.seed, 3);
  assert.equal(r.description.valSize, 50);
});

test('stratified val on unequal classes; valSize 0 means none', () => {
  const r = applyProtocol(synth([100, 60, 40]), { seed: 1, valSize: 15 });
  assert.deepEqual(classCounts(r.val), [8, 4, 3]);
  assert.deepEqual(r.classCounts, [92, 56, 37]);
  const none = applyProtocol(synth([10, 10]), { seed: 1, valSize: 0 });
  assert.equal(none.val.labels.length, 0);
  assert.deepEqual(none.classCounts, [10, 10]);
});

test('imbalance: counts follow the formula exactly with n_max = the pool size per class', () => {
  const r = applyProtocol(synth([100, 100, 100, 100, 100]), { seed: 7, valSize: 50, imbalance: 9 });
  assert.deepEqual(r.classCounts, [90, 51, 30, 17, 10]);
  assert.deepEqual(classCounts(r.train), [90, 51, 30, 17, 10]);
  assert.deepEqual(classCounts(r.val), [10, 10, 10, 10, 10]); // validation stays balanced
  assert.equal(r.description.imbalance, 9);
  assert.equal(r.description.nMax, 90);
});

test('perClass alone and as the head size of a long tail', () => {
  const set = synth([100, 100, 100, 100, 100]);
  assert.deepEqual(applyProtocol(set, { seed: 2, valSize: 50, perClass: 20 }).classCounts, [20, 20, 20, 20, 20]);
  // 20 * 4^(-c/4): 20, 14.14, 10, 7.07, 5
  assert.deepEqual(applyProtocol(set, { seed: 2, valSize: 50, perClass: 20, imbalance: 4 }).classCounts, [20, 14, 10, 7, 5]);
});

test('trainSubset: stratified, nested across sizes, after the other steps', () => {
  const set = synth([100, 100, 100, 100, 100]);
  const small = applyProtocol(set, { seed: 5, valSize: 50, trainSubset: 37 });
  assert.deepEqual(small.classCounts, [8, 8, 7, 7, 7]);
  const big = applyProtocol(set, { seed: 5, valSize: 50, trainSubset: 100 });
  assert.deepEqual(big.classCounts, [20, 20, 20, 20, 20]);
  const inBig = new Set(ids(big.train));
  assert.ok(ids(small.train).every((i) => inBig.has(i)));
  assert.deepEqual(ids(small.val), ids(big.val)); // the same held-out set
  // On a long tail, proportional: 198 of [90,51,30,17,10] -> exact [90, 51, 30, 17, 10] * 198/198.
  const lt = applyProtocol(set, { seed: 5, valSize: 50, imbalance: 9, trainSubset: 99 });
  // 99/198 of each: 45, 25.5, 15, 8.5, 5 -> floor 98, one more to class 1 (tie, lower index)
  assert.deepEqual(lt.classCounts, [45, 26, 15, 8, 5]);
});

test('same seed same split; a different seed a different one', () => {
  const set = synth([50, 50, 50]);
  const a = applyProtocol(set, { seed: 11, valSize: 15, perClass: 10 });
  const b = applyProtocol(set, { seed: 11, valSize: 15, perClass: 10 });
  const c = applyProtocol(set, { seed: 12, valSize: 15, perClass: 10 });
  assert.deepEqual(ids(a.train), ids(b.train));
  assert.deepEqual(ids(a.val), ids(b.val));
  assert.deepEqual(a.description, b.description);
  assert.notDeepEqual(ids(a.train), ids(c.train));
  assert.deepEqual(c.classCounts, [10, 10, 10]);
});

test('impossible requests are IcmixErrors that say what to change', () => {
  const set = synth([20, 20]);
  assert.throws(() => applyProtocol(set, { seed: 0, valSize: 4, perClass: 19 }), (e: Error) => e instanceof IcmixError && /perClass 19 is more than the 18 images of class 0 \(c0\) left after holding out 4/.test(e.message));
  assert.throws(() => applyProtocol(set, { seed: 0, valSize: 40 }), /valSize 40 leaves no training images out of 40/);
  assert.throws(() => applyProtocol(set, { seed: 0, imbalance: 0.5 }), /imbalance .* must be >= 1, got 0.5/);
  assert.throws(() => applyProtocol(set, { seed: 0, valSize: 0, trainSubset: 41 }), /trainSubset 41 is more than the 40 training images/);
  assert.throws(() => applyProtocol(set, { seed: 0, perClass: 2.5 }), /perClass must be an integer >= 1, got 2.5/);
  assert.throws(() => applyProtocol(set, { seed: 0, valSize: 0, perClass: 1, imbalance: 10 }), /leaves a class with no images/);
});
