import { test } from 'node:test';
import assert from 'node:assert/strict';
import { holmAdjust, holmRanks, pairedTTest, studentTQuantile } from '../../src/study/stats.js';
import { claimTests, PRIMARY_METRICS } from '../../src/study/family.js';
import { briefReading } from '../../src/study/report.js';
import { studyFromObject, type CellMetrics } from '../../src/study/index.js';

const near = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

// Reference values from scipy 1.10.1 (/usr/bin/python3):
//   stats.ttest_rel(a, b) -> t 3.6607213848186735, p 0.021566594878733292
//   stats.ttest_1samp(d, 0).pvalue for the three difference lists below
//   stats.t.ppf(1 - 0.05 / 3 / 2, 4) -> 3.960786482775424
const a = [0.812, 0.805, 0.82, 0.799, 0.816];
const b = [0.801, 0.8, 0.806, 0.797, 0.809];
const D = [
  [0.01, 0.012, 0.008, 0.011, 0.009],
  [0.003, -0.002, 0.004, 0.001, -0.001],
  [0.02, 0.0, 0.01, -0.005, 0.015],
];
const SCIPY_P = [0.00014512817061319776, 0.4299733794885493, 0.1595528526983939];

test('paired t-test matches scipy.stats.ttest_rel / ttest_1samp', () => {
  const r = pairedTTest(a.map((x, i) => x - b[i]));
  near(r.t, 3.6607213848186735, 1e-9);
  near(r.p, 0.021566594878733292, 1e-7);
  assert.equal(r.df, 4);
  D.forEach((d, i) => near(pairedTTest(d).p, SCIPY_P[i], 1e-6));
  near(studentTQuantile(1 - 0.05 / 3 / 2, 4), 3.960786482775424, 1e-8);
  // Degenerate cases: no spread, one value.
  assert.deepEqual(pairedTTest([0.01, 0.01, 0.01]).p, 0);
  assert.deepEqual(pairedTTest([0, 0]).p, 1);
  assert.ok(Number.isNaN(pairedTTest([0.3]).p));
});

test('Holm adjustment: worked by hand', () => {
  // Sorted: 1.451e-4 x 3 = 4.354e-4; 0.15955 x 2 = 0.31911; 0.42997 x 1 = 0.42997 (already >= 0.31911).
  const adj = holmAdjust(SCIPY_P);
  near(adj[0], 3 * SCIPY_P[0]);
  near(adj[1], SCIPY_P[1]);
  near(adj[2], 2 * SCIPY_P[2]);
  assert.deepEqual(holmRanks(SCIPY_P), [1, 3, 2]);
  // Monotone step-down: 0.01 x 3 = 0.03; 0.03 x 2 = 0.06; 0.04 x 1 = 0.04 -> raised to 0.06. Capped at 1; NaN left out of m.
  const m = holmAdjust([0.01, 0.04, 0.03, NaN]);
  near(m[0], 0.03);
  near(m[1], 0.06);
  near(m[2], 0.06);
  assert.ok(Number.isNaN(m[3]));
  assert.deepEqual(holmAdjust([0.6, 0.7]), [1, 1]);
});

test('claim tests: the comparison family per protocol, Holm over each claim, "ahead" only when the adjusted p is below 0.05', () => {
  const study = studyFromObject({
    name: 'fam',
    datasets: ['mnist'],
    protocols: ['balanced', { kind: 'long-tailed', imbalance: 10 }],
    methods: ['ce', 'mixup', 'icm', 'remix', 'remix-icm'],
    seeds: [0, 1, 2, 3, 4],
    model: 'mlp',
    epochs: 1,
    suites: ['id'],
  });
  // Accuracy: icm = mixup + D[0] and icm = ce + D[1] on balanced; remix-icm = remix + D[2] on lt10;
  // on lt10 icm - mixup and icm - ce are D[1] and D[2] again, so the accuracy family has 5 tests.
  const metrics = new Map<string, CellMetrics>();
  const put = (protocol: string, method: string, values: number[]) => values.forEach((v, s) => metrics.set(`mnist_${protocol}_${method}_seed${s}`, { accuracy: v }));
  const base = [0.8, 0.81, 0.79, 0.8, 0.82];
  put('balanced', 'mixup', base);
  put('balanced', 'ce', base.map((x, i) => x + D[0][i] - D[1][i]));
  put('balanced', 'icm', base.map((x, i) => x + D[0][i]));
  put('lt10', 'mixup', base);
  put('lt10', 'icm', base.map((x, i) => x + D[1][i]));
  put('lt10', 'ce', base.map((x, i) => x + D[1][i] - D[2][i]));
  put('lt10', 'remix', base);
  put('lt10', 'remix-icm', base.map((x, i) => x + D[2][i]));
  const tests = claimTests(study, metrics);
  assert.deepEqual(PRIMARY_METRICS.map((m) => [m.claim, m.metric]), [['accuracy', 'accuracy'], ['calibration', 'ece'], ['ood', 'energyAuroc']]);
  const acc = tests.filter((t) => t.claim === 'accuracy');
  assert.deepEqual(acc.map((t) => `${t.protocol} ${t.method}-${t.baseline}`), ['balanced icm-mixup', 'balanced icm-ce', 'lt10 icm-mixup', 'lt10 icm-ce', 'lt10 remix-icm-remix']);
  // No ECE or energy numbers: those claims have no tests.
  assert.equal(tests.length, 5);
  const p = [SCIPY_P[0], SCIPY_P[1], SCIPY_P[1], SCIPY_P[2], SCIPY_P[2]];
  acc.forEach((t, i) => near(t.p, p[i], 1e-6));
  // Holm over 5: sorted 1.45e-4 (x5), 0.1596 (x4, x3 -> 0.638), 0.43 (x2 = 0.86, x1).
  const want = holmAdjust(p);
  near(want[0], 5 * SCIPY_P[0]);
  acc.forEach((t, i) => near(t.pHolm, want[i], 1e-6));
  assert.deepEqual(acc.map((t) => t.verdict), ['method ahead', 'no clear difference', 'no clear difference', 'no clear difference', 'no clear difference']);
  assert.ok(acc.every((t) => t.familySize === 5));
  // The first test is Holm step 1 of 5: its interval is the t-interval at 1 - 0.05 / 5, which excludes 0.
  near(acc[0].holmLevel, 0.99);
  const d0 = D[0];
  const mean0 = d0.reduce((x, y) => x + y) / 5;
  const sd0 = Math.sqrt(d0.reduce((x, y) => x + (y - mean0) ** 2, 0) / 4);
  near(acc[0].holmLow, mean0 - studentTQuantile(1 - 0.01 / 2, 4) * (sd0 / Math.sqrt(5)), 1e-9);
  assert.ok(acc[0].holmLow > 0);
  // One seed: no test, no correction.
  const one = claimTests({ ...study, cells: study.cells.filter((c) => c.seed === 0) }, metrics);
  assert.ok(one.every((t) => t.verdict === 'too few seeds' && Number.isNaN(t.pHolm)));
});

test('Holm intervals: a test after the first non-rejection is judged at that step, so its interval includes 0 (p 0.035 and 0.039 in a family of 2)', () => {
  const study = studyFromObject({ name: 'stop', datasets: ['mnist'], protocols: ['balanced'], methods: ['ce', 'mixup', 'icm'], seeds: [0, 1, 2, 3, 4], model: 'mlp', epochs: 1, suites: ['id'] });
  const noise = [0.01, -0.012, 0.004, -0.006, 0.009];
  const base = [0.8, 0.81, 0.79, 0.8, 0.82];
  const metrics = new Map<string, CellMetrics>();
  const put = (method: string, values: number[]) => values.forEach((v, s) => metrics.set(`mnist_balanced_${method}_seed${s}`, { accuracy: v }));
  put('icm', base);
  put('mixup', base.map((x, i) => x - noise[i] - 0.0125)); // icm - mixup: p 0.0352
  put('ce', base.map((x, i) => x - noise[i] - 0.012)); // icm - ce: p 0.0394
  const [vsMixup, vsCe] = claimTests(study, metrics).filter((t) => t.claim === 'accuracy');
  near(vsMixup.p, 0.03517719378536166, 1e-6);
  near(vsCe.p, 0.03938324309829233, 1e-6);
  // Step 1 already fails (0.0352 x 2 > 0.05): Holm stops there, and both tests use its level.
  assert.deepEqual([vsMixup.verdict, vsCe.verdict], ['no clear difference', 'no clear difference']);
  near(vsMixup.holmLevel, 0.975);
  near(vsCe.holmLevel, 0.975);
  for (const t of [vsMixup, vsCe]) assert.ok(t.holmLow < 0 && t.holmHigh > 0, `${t.method}-${t.baseline}: [${t.holmLow}, ${t.holmHigh}] includes 0`);
});

test('calibration claim: ECE is lower-is-better, so a lower ECE reads "method ahead" and a higher one "baseline ahead"', () => {
  const study = studyFromObject({ name: 'ece', datasets: ['mnist'], protocols: ['balanced'], methods: ['ce', 'mixup', 'icm'], seeds: [0, 1, 2, 3, 4], model: 'mlp', epochs: 1, suites: ['id'] });
  const metrics = new Map<string, CellMetrics>();
  const put = (method: string, values: number[]) => values.forEach((v, s) => metrics.set(`mnist_balanced_${method}_seed${s}`, { ece: v }));
  const base = [0.05, 0.06, 0.04, 0.05, 0.07];
  put('mixup', base);
  put('icm', base.map((x, i) => x - D[0][i])); // icm − mixup = −D[0]: lower ECE, p = 1.45e-4
  put('ce', base.map((x, i) => x - 2 * D[0][i])); // icm − ce = +D[0]: higher ECE
  const ece = claimTests(study, metrics).filter((t) => t.claim === 'calibration');
  assert.deepEqual(ece.map((t) => [t.baseline, t.verdict]), [['mixup', 'method ahead'], ['ce', 'baseline ahead']]);
  assert.ok(ece[0].holmHigh < 0 && ece[1].holmLow > 0, 'each Holm interval excludes 0 on its side');
});

test('a model at chance is left out of calibration and OOD tests (it would pass for perfectly calibrated) and kept, named, in accuracy tests', () => {
  const study = studyFromObject({ name: 'chance', datasets: ['mnist'], protocols: ['balanced'], methods: ['ce', 'mixup', 'icm'], seeds: [0, 1, 2, 3, 4, 5], model: 'mlp', epochs: 1, suites: ['id'] });
  const metrics = new Map<string, CellMetrics>();
  // icm is a little worse calibrated than mixup where it learned; at seeds 1 and 4 it collapsed:
  // accuracy 10%, ECE 0 (a uniform prediction is "calibrated"), energy AUROC 50.
  const learned = { accuracy: 0.85, ece: 0.05, energyAuroc: 0.7 };
  const collapsed = { accuracy: 0.1, ece: 0, energyAuroc: 0.5 };
  const wobble = [0.001, -0.002, 0.0015, 0, -0.001, 0.002];
  for (let s = 0; s < 6; s++) {
    metrics.set(`mnist_balanced_mixup_seed${s}`, { ...learned, ece: 0.03 + wobble[s] });
    metrics.set(`mnist_balanced_ce_seed${s}`, { ...learned, ece: 0.08 + wobble[s] });
    metrics.set(`mnist_balanced_icm_seed${s}`, s === 1 || s === 4 ? collapsed : { ...learned, ece: 0.05 - wobble[s] / 2 });
  }
  const atChance = new Set(['mnist_balanced_icm_seed1', 'mnist_balanced_icm_seed4']);
  const withAll = claimTests(study, metrics);
  const fair = claimTests(study, metrics, PRIMARY_METRICS, atChance);
  const pick = (ts: typeof fair, claim: string, baseline: string) => ts.find((t) => t.claim === claim && t.baseline === baseline)!;
  // Counting the collapsed seeds pulls icm's ECE gap to mixup toward zero; leaving them out, mixup is ahead.
  assert.deepEqual(pick(fair, 'calibration', 'mixup').seeds, [0, 2, 3, 5]);
  assert.deepEqual(pick(fair, 'calibration', 'mixup').leftOut, [1, 4]);
  assert.equal(pick(fair, 'calibration', 'mixup').verdict, 'baseline ahead');
  near(pick(fair, 'calibration', 'mixup').difference.mean, 0.02 - (1.5 * (0.001 + 0.0015 + 0 + 0.002)) / 4, 1e-9);
  assert.equal(pick(withAll, 'calibration', 'mixup').seeds.length, 6);
  assert.equal(pick(withAll, 'calibration', 'mixup').leftOut, undefined);
  assert.deepEqual(pick(fair, 'ood', 'ce').leftOut, [1, 4]);
  // Accuracy keeps them (learning nothing is the method's failure) and names them.
  const acc = pick(fair, 'accuracy', 'mixup');
  assert.deepEqual(acc.seeds, [0, 1, 2, 3, 4, 5]);
  assert.equal(acc.leftOut, undefined);
  assert.deepEqual(acc.atChance, { icm: [1, 4] });
  near(acc.difference.mean, (2 * (0.1 - 0.85)) / 6, 1e-9);
  // What the side-by-side table shows: the reader sees both.
  assert.match(briefReading(pick(fair, 'calibration', 'mixup')), /^mixup ahead \(\+\d\.\d\d; 2 seeds at chance left out\)$/);
  assert.match(briefReading(acc), /; icm at chance on 2 seeds \(1, 4\)\)$/);

  // Only the baseline collapsed at a seed: that seed leaves the calibration test all the same.
  const baseDown = claimTests(study, metrics, PRIMARY_METRICS, new Set([...atChance, 'mnist_balanced_mixup_seed0']));
  assert.deepEqual(pick(baseDown, 'calibration', 'mixup').leftOut, [0, 1, 4]);
  assert.deepEqual(pick(baseDown, 'calibration', 'ce').leftOut, [1, 4]);
  assert.deepEqual(pick(baseDown, 'accuracy', 'mixup').atChance, { icm: [1, 4], mixup: [0] });

  // Every seed at chance: the test stays, as "too few seeds" naming them, and the family keeps
  // its size (tests with two paired seeds or more before any are left out), so the collapse of
  // one method cannot loosen the correction of the others.
  const allDown = new Set(Array.from({ length: 6 }, (_, s) => `mnist_balanced_icm_seed${s}`));
  const gone = claimTests(study, metrics, PRIMARY_METRICS, allDown);
  const vanished = pick(gone, 'calibration', 'mixup');
  assert.equal(vanished.verdict, 'too few seeds');
  assert.deepEqual(vanished.seeds, []);
  assert.deepEqual(vanished.leftOut, [0, 1, 2, 3, 4, 5]);
  assert.equal(briefReading(vanished), 'no comparison (6 seeds, all at chance)');
  assert.ok(gone.filter((t) => t.claim === 'calibration').every((t) => t.familySize === 2));
});

test('Holm with a family size fixed beforehand: tests that could not run still count', () => {
  // p 0.01 and 0.04 alone: 0.02 and 0.04; in a family of 3 (one test left without seeds): 3 x 0.01 and 2 x 0.04.
  const two = holmAdjust([0.01, 0.04]);
  near(two[0], 0.02);
  near(two[1], 0.04);
  const three = holmAdjust([0.01, NaN, 0.04], 3);
  near(three[0], 0.03);
  assert.ok(Number.isNaN(three[1]));
  near(three[2], 0.08);
  near(holmAdjust([0.01, 0.04], 1)[0], 0.02, 1e-12); // never fewer than the finite p-values
});
