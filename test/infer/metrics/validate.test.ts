import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  accuracy,
  nll,
  brier,
  ece,
  adaptiveEce,
  fitTemperature,
  classificationMetrics,
  top1Agreement,
  maxAbsDiff,
  parityResult,
  summariseCorruptions,
  getMetric,
  listMetrics,
} from '../../../src/infer/metrics/index.js';
import { IcmixError } from '../../../src/util/errors.js';

const p = new Float32Array([0.6, 0.4, 0.3, 0.7]);
const y = new Int32Array([0, 1]);

/** Every metric over (probs, labels, C) must reject the same bad inputs with a clear IcmixError. */
const metricFns: Array<[string, (p: ArrayLike<number>, y: ArrayLike<number>, C: number) => unknown]> = [
  ['accuracy', accuracy],
  ['nll', nll],
  ['brier', brier],
  ['ece', (a, b, c) => ece(a, b, c)],
  ['adaptiveEce', (a, b, c) => adaptiveEce(a, b, c)],
  ['classificationMetrics', (a, b, c) => classificationMetrics(a, b, c)],
  ['fitTemperature', (a, b, c) => fitTemperature(a, b, c)],
];

for (const [name, fn] of metricFns) {
  test(`${name}: bad input gives an IcmixError saying what and where`, () => {
    const is = (re: RegExp) => (e: unknown) => e instanceof IcmixError && re.test(e.message) && e.message.startsWith(name);
    assert.throws(() => fn(new Float32Array([0.6, NaN, 0.3, 0.7]), y, 2), is(/\[0, 1\] is NaN; every value must be finite/));
    assert.throws(() => fn(p, new Int32Array([0, 1, 1]), 2), is(/4 values but 3 samples × 2 classes = 6 were expected .*length mismatch/));
    assert.throws(() => fn(new Float32Array([0.2, 0.3, 0.5, 0.1, 0.9]), y, 2), is(/5 values .*wrong row size/));
    assert.throws(() => fn(new Float32Array(0), new Int32Array(0), 2), is(/empty input/));
    assert.throws(() => fn(p, new Int32Array([0, 2]), 2), is(/label 2 at index 1 is out of range; labels must be integers in \[0, 2\)/));
    assert.throws(() => fn(p, new Int32Array([-1, 0]), 2), is(/label -1 at index 0/));
    assert.throws(() => fn(p, y, 0), is(/numClasses must be a positive integer/));
  });
}

test('parity: agreement and max |Δp| by hand, and mismatched outputs rejected', () => {
  // row 0 argmax 0 vs 0; row 1 argmax 1 vs 0 → agreement ½; max |Δ| = |.7 − .45| = .25
  const q = new Float32Array([0.55, 0.45, 0.55, 0.45]);
  assert.equal(top1Agreement(p, q, 2), 0.5);
  assert.ok(Math.abs(maxAbsDiff(p, q, 2) - 0.25) < 1e-6);
  const r = parityResult('cpu', p, 'web', q, 2, 'id');
  assert.equal(r.n, 2);
  assert.equal(r.suite, 'id');
  assert.throws(() => top1Agreement(p, new Float32Array(2), 2), /differ in length \(4 vs 2\)/);
});

test('summariseCorruptions: per-corruption means over severities and the overall mean', () => {
  const s = summariseCorruptions([
    { corruption: 'blur', severity: 1, n: 10, accuracy: 0.9, ece: 0.1, nll: 0.3 },
    { corruption: 'blur', severity: 2, n: 10, accuracy: 0.7, ece: 0.3, nll: 0.5 },
    { corruption: 'noise', severity: 1, n: 10, accuracy: 0.5, ece: 0.2, nll: 1.0 },
  ]);
  assert.deepEqual(s.perCorruption.map((c) => c.corruption), ['blur', 'noise']);
  assert.ok(Math.abs(s.perCorruption[0].accuracy - 0.8) < 1e-12);
  assert.ok(Math.abs(s.mean.accuracy - 0.7) < 1e-12);
  assert.ok(Math.abs(s.mean.nll - 0.6) < 1e-12);
  assert.throws(() => summariseCorruptions([]), /no corruption results/);
});

test('metric registry: names, lookup by name, and unknown names', () => {
  assert.deepEqual(listMetrics(), ['accuracy', 'top5', 'nll', 'brier', 'ece', 'adaptiveEce', 'mce']);
  assert.equal(getMetric('brier').compute(p, y, 2), brier(p, y, 2));
  assert.equal(getMetric('ece').higherIsBetter, false);
  assert.throws(() => getMetric('f1'), /unknown metric 'f1'; known: accuracy/);
});
