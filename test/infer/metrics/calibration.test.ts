import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ece, adaptiveEce, mce, reliabilityBins, binIndex, classificationMetrics } from '../../../src/infer/metrics/index.js';

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b} (tol ${tol})`);

// C = 2, five samples, worked by hand with 5 equal-width bins (width .2):
// a [.9 .1] y=0 conf .9 correct → bin 4
// b [.1 .9] y=0 conf .9 wrong   → bin 4
// c [.7 .3] y=0 conf .7 correct → bin 3
// d [.4 .6] y=1 conf .6 correct → bin 3
// e [1 0]   y=0 conf 1.0 correct → bin 4 (1.0 belongs in the last bin)
// bin 3: n=2 acc 1 conf .65 gap .35; bin 4: n=3 acc 2/3 conf .9333 gap .2667
// ECE = (2·.35 + 3·.26667)/5 = (.7 + .8)/5 = .3; MCE = .35
const probs = new Float32Array([0.9, 0.1, 0.1, 0.9, 0.7, 0.3, 0.4, 0.6, 1, 0]);
const labels = new Int32Array([0, 0, 0, 1, 0]);

test('equal-width ECE and MCE on a hand-worked example', () => {
  close(ece(probs, labels, 2, 5), 0.3);
  close(mce(probs, labels, 2, 5), 0.35);
});

test('reliability bins: bounds, counts, accuracy, confidence; empty bins are zeros', () => {
  const bins = reliabilityBins(probs, labels, 2, { bins: 5 });
  assert.equal(bins.length, 5);
  assert.deepEqual(bins.map((b) => b.count), [0, 0, 0, 2, 3]);
  close(bins[3].lower, 0.6);
  close(bins[3].upper, 0.8);
  close(bins[4].upper, 1);
  close(bins[3].accuracy, 1);
  close(bins[3].confidence, 0.65);
  close(bins[4].accuracy, 2 / 3);
  close(bins[4].confidence, 2.8 / 3);
  for (const b of bins.slice(0, 3)) assert.deepEqual([b.accuracy, b.confidence], [0, 0]);
});

test('a confidence of exactly 1.0 goes in the last bin, 0 in the first', () => {
  assert.equal(binIndex(1, 15), 14);
  assert.equal(binIndex(0, 15), 0);
  assert.equal(binIndex(0.5, 10), 5); // bins are [lower, upper)
  const bins = reliabilityBins(new Float32Array([1, 0]), new Int32Array([0]), 2, { bins: 15 });
  assert.equal(bins[14].count, 1);
});

test('adaptive (equal-mass) ECE on the same example with 3 bins', () => {
  // sorted by confidence (stable): d .6 ✓ | c .7 ✓, a .9 ✓ | b .9 ✗, e 1.0 ✓
  // gaps: |1−.6|=.4 ; |1−.8|=.2 ; |.5−.95|=.45 → (.4 + 2·.2 + 2·.45)/5 = .34
  close(adaptiveEce(probs, labels, 2, 3), 0.34);
  const bins = reliabilityBins(probs, labels, 2, { bins: 3, scheme: 'mass' });
  assert.deepEqual(bins.map((b) => b.count), [1, 2, 2]);
  close(bins[2].lower, 0.9);
  close(bins[2].upper, 1);
});

test('equal-mass bins with fewer samples than bins leave bins empty without NaN', () => {
  const v = adaptiveEce(new Float32Array([0.8, 0.2]), new Int32Array([0]), 2, 15);
  close(v, 0.2);
});

test('all correct at confidence 1 → ECE 0; all wrong at .8 → ECE .8', () => {
  const p = new Float32Array([1, 0, 0, 1]);
  assert.equal(ece(p, new Int32Array([0, 1]), 2), 0);
  assert.equal(mce(p, new Int32Array([0, 1]), 2), 0);
  const q = new Float32Array([0.8, 0.2, 0.2, 0.8]);
  close(ece(q, new Int32Array([1, 0]), 2), 0.8);
  close(adaptiveEce(q, new Int32Array([1, 0]), 2), 0.8);
});

test('a single class: confidence 1, always correct → calibrated', () => {
  const m = classificationMetrics(new Float32Array([1, 1]), new Int32Array([0, 0]), 1, { bins: 10 });
  assert.equal(m.accuracy, 1);
  assert.equal(m.ece, 0);
  assert.equal(m.reliability[9].count, 2);
});

test('classificationMetrics bundles the same numbers as the single functions', () => {
  const m = classificationMetrics(probs, labels, 2, { bins: 5 });
  assert.equal(m.n, 5);
  assert.equal(m.bins, 5);
  close(m.ece, 0.3);
  close(m.mce, 0.35);
  assert.equal(m.accuracy, 4 / 5);
  assert.equal(m.top5, 1);
  assert.equal(m.reliability.length, 5);
});

test('bins must be a positive integer', () => {
  assert.throws(() => ece(probs, labels, 2, 0), /bins must be a positive integer/);
  assert.throws(() => ece(probs, labels, 2, 2.5), /bins must be a positive integer/);
});
