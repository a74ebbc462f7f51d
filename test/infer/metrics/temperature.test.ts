import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_DEFAULT_TEMPERATURE } from '../../../src/infer/metrics/temperature.js';
import { fitTemperature, nllFromLogits, softmax, logSoftmax, logSumExp, temperatureCalibration } from '../../../src/infer/metrics/index.js';
import { Rng } from '../../../src/util/rng.js';

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b} (tol ${tol})`);

test('softmax helpers: known values, temperature, and huge logits stay finite', () => {
  // [ln 3, 0] → [.75, .25]; at T = 2 → [√3, 1]/(√3 + 1)
  const z = new Float32Array([Math.log(3), 0]);
  const p = softmax(z, 2);
  close(p[0], 0.75);
  close(p[1], 0.25);
  const p2 = softmax(z, 2, 2);
  close(p2[0], Math.sqrt(3) / (Math.sqrt(3) + 1));
  close(logSumExp(z, 2)[0], Math.log(4), 1e-7);
  const big = new Float32Array([1000, 0]);
  const ls = logSoftmax(big, 2);
  close(ls[0], 0);
  close(ls[1], -1000);
  assert.ok(Number.isFinite(logSumExp(big, 2)[0]));
});

test('fitTemperature finds the analytic optimum T = 1/ln 2', () => {
  // Three samples with logits [1, 0], labels 0, 0, 1. In β = 1/T:
  // NLL(β) = log(1 + e^β) − (2/3)β, NLL'(β) = σ(β) − 2/3 = 0 → β = ln 2.
  const z = new Float32Array([1, 0, 1, 0, 1, 0]);
  const y = new Int32Array([0, 0, 1]);
  const fit = fitTemperature(z, y, 2);
  close(fit.temperature, 1 / Math.LN2, 1e-8);
  close(fit.nllBefore, Math.log(1 + Math.E) - 2 / 3, 1e-12);
  close(fit.nllAfter, Math.log(3) - (2 / 3) * Math.LN2, 1e-12);
  assert.equal(fit.atBound, false);
});

test('fitTemperature on overconfident random logits: a stationary point that beats its neighbours', () => {
  const rng = new Rng(7);
  const n = 400;
  const C = 5;
  const z = new Float32Array(n * C);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = rng.int(C);
    for (let c = 0; c < C; c++) z[i * C + c] = 4 * (rng.normal() + (c === y[i] ? 1 : 0)); // ×4: overconfident
  }
  const fit = fitTemperature(z, y, C);
  assert.ok(fit.temperature > 1, `expected T > 1 for overconfident logits, got ${fit.temperature}`);
  assert.ok(fit.nllAfter < fit.nllBefore);
  close(fit.nllAfter, nllFromLogits(z, y, C, fit.temperature), 1e-12);
  // central finite difference of NLL in T vanishes at the optimum
  const h = 1e-4 * fit.temperature;
  const d = (nllFromLogits(z, y, C, fit.temperature + h) - nllFromLogits(z, y, C, fit.temperature - h)) / (2 * h);
  assert.ok(Math.abs(d) < 1e-6, `dNLL/dT = ${d}`);
  // and a coarse grid over the whole range finds nothing better
  for (let u = Math.log(0.05); u <= Math.log(20); u += 0.05) {
    assert.ok(nllFromLogits(z, y, C, Math.exp(u)) >= fit.nllAfter - 1e-12);
  }
});

test('fitTemperature on separable data stops at the lower bound and says so', () => {
  const z = new Float32Array([5, 0, 0, 5]);
  const y = new Int32Array([0, 1]);
  const fit = fitTemperature(z, y, 2);
  close(fit.temperature, 0.05, 1e-9);
  assert.equal(fit.atBound, true);
});

test('fitTemperature follows an optimum above the default range instead of stopping at T = 20', () => {
  // The analytic case above with logits x100: the optimum is T = 100 / ln 2 ≈ 144.3, which a
  // search capped at 20 reported as T = 20 (a wrong temperature the user would believe).
  const z = new Float32Array([100, 0, 100, 0, 100, 0]);
  const y = new Int32Array([0, 0, 1]);
  const fit = fitTemperature(z, y, 2);
  close(fit.temperature, 100 / Math.LN2, 1e-6);
  assert.equal(fit.atBound, false);
  // An explicit range is still a range.
  const capped = fitTemperature(z, y, 2, { max: 20 });
  close(capped.temperature, 20, 1e-9);
  assert.equal(capped.atBound, true);
});

test('logits that score the true class below average want T = ∞: the fit stops at the widest bound, where probabilities are uniform', () => {
  // Every label is the class with the lower logit: the NLL falls all the way to T = ∞.
  const z = new Float32Array([3, 0, 0, 3, 3, 0]);
  const y = new Int32Array([1, 0, 1]);
  const fit = fitTemperature(z, y, 2);
  assert.equal(fit.atBound, true);
  close(fit.temperature, MAX_DEFAULT_TEMPERATURE, 1e-6 * MAX_DEFAULT_TEMPERATURE);
  const r = temperatureCalibration({ logits: z, labels: y }, { logits: z, labels: y }, 2);
  close(r.after.nll, Math.log(2), 1e-4);
});

test('fitTemperature rejects a bad search range', () => {
  assert.throws(() => fitTemperature(new Float32Array([1, 0]), new Int32Array([0]), 2, { min: 2, max: 1 }), /search range/);
});

test('temperatureCalibration fits on one split and reports the other before/after', () => {
  const rng = new Rng(3);
  const make = (n: number) => {
    const z = new Float32Array(n * 3);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = rng.int(3);
      for (let c = 0; c < 3; c++) z[i * 3 + c] = 5 * (rng.normal() + (c === y[i] ? 1.5 : 0));
    }
    return { logits: z, labels: y };
  };
  const val = make(300);
  const testSet = make(300);
  const r = temperatureCalibration({ ...val, split: 'val' }, testSet, 3, { bins: 10 });
  assert.equal(r.fitSplit, 'val');
  close(r.temperature, fitTemperature(val.logits, val.labels, 3).temperature, 1e-12);
  assert.equal(r.before.accuracy, r.after.accuracy); // scaling never changes the argmax
  assert.ok(r.after.nll < r.before.nll);
  assert.equal(r.reliabilityAfter?.length, 10);
});
