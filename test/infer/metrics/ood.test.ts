import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  auroc,
  auprIn,
  auprOut,
  fpr95,
  fprAtTpr,
  thresholdAtTpr,
  oodDetection,
  mspScore,
  maxLogitScore,
  energyScore,
  negEntropyScore,
  oodSetMetrics,
  getOodScore,
} from '../../../src/infer/metrics/index.js';

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b} (tol ${tol})`);

// id (positive) [.9 .8 .5], ood [.5 .3], worked by hand:
// AUROC pairs: .9 beats both (2), .8 beats both (2), .5 ties .5 (½) and beats .3 (1) → 5.5/6
// AUPR-In, thresholds descending: .9 → R 1/3 P 1; .8 → R 2/3 P 1; .5 (one id, one ood) → R 1 P 3/4
//   AP = 1/3 + 1/3 + (1/3)(3/4) = 11/12
// AUPR-Out, negated, ood positive: −.3 → R ½ P 1; −.5 (one ood, one id) → R 1 P 2/3 → ½ + ⅓ = 5/6
// FPR95: TPR reaches ≥ .95 only at t = .5 (3/3), where 1 of 2 ood scores ≥ t → .5
const id = [0.9, 0.8, 0.5];
const ood = [0.5, 0.3];

test('AUROC, AUPR-In, AUPR-Out and FPR95 on a hand-worked example with a tie', () => {
  close(auroc(id, ood), 5.5 / 6);
  close(auprIn(id, ood), 11 / 12);
  close(auprOut(id, ood), 5 / 6);
  close(fpr95(id, ood), 0.5);
  assert.deepEqual(oodDetection(id, ood), { auroc: auroc(id, ood), auprIn: 11 / 12, auprOut: auprOut(id, ood), fpr95: 0.5 });
});

test('thresholdAtTpr: the largest ID score keeping at least the target TPR', () => {
  assert.equal(thresholdAtTpr(id, 0.6), 0.8); // ≥ .8 keeps 2/3
  assert.equal(thresholdAtTpr(id, 2 / 3), 0.8);
  assert.equal(thresholdAtTpr(id, 0.7), 0.5);
  assert.equal(thresholdAtTpr(id, 1 / 3), 0.9);
  // 20 ID scores 1..20: TPR ≥ .95 needs 19 kept → t = 2; ood ≥ 2: 2.5 and 10.5 → FPR .5
  const id20 = Array.from({ length: 20 }, (_, i) => i + 1);
  assert.equal(thresholdAtTpr(id20, 0.95), 2);
  close(fpr95(id20, [0.5, 1.5, 2.5, 10.5]), 0.5);
  // TPR .5 needs 10 kept → t = 11; of [.5 1.5 2.5 10.5 11] only 11 is ≥ t → FPR 1/5
  close(fprAtTpr(id20, [0.5, 1.5, 2.5, 10.5, 11], 0.5), 0.2);
  assert.throws(() => thresholdAtTpr(id, 0), /tpr must be in \(0, 1\]/);
});

test('perfect, reversed and fully tied scores', () => {
  const hi = [3, 4, 5];
  const lo = [0, 1, 2];
  assert.equal(auroc(hi, lo), 1);
  assert.equal(auprIn(hi, lo), 1);
  assert.equal(auprOut(hi, lo), 1);
  assert.equal(fpr95(hi, lo), 0);
  assert.equal(auroc(lo, hi), 0);
  assert.equal(fpr95(lo, hi), 1);
  // everything tied: AUROC ½, AP = the positive rate, FPR 1
  assert.equal(auroc([1, 1], [1, 1, 1]), 0.5);
  close(auprIn([1, 1], [1, 1, 1]), 2 / 5);
  close(auprOut([1, 1], [1, 1, 1]), 3 / 5);
  assert.equal(fpr95([1, 1], [1, 1, 1]), 1);
});

test('OOD scores from logits: hand-computed values', () => {
  // row 0: [0, 0] → p = [½ ½]: msp ½, max logit 0, energy ln 2, −H = −ln 2
  // row 1: [ln 3, 0] → p = [¾ ¼]: msp ¾, max logit ln 3, energy ln 4, −H = ¾ ln ¾ + ¼ ln ¼
  const z = new Float32Array([0, 0, Math.log(3), 0]);
  const msp = mspScore(z, 2);
  close(msp[0], 0.5);
  close(msp[1], 0.75, 1e-7);
  const ml = maxLogitScore(z, 2);
  close(ml[1], Math.log(3), 1e-7);
  const e = energyScore(z, 2);
  close(e[0], Math.LN2);
  close(e[1], Math.log(4), 1e-7);
  const h = negEntropyScore(z, 2);
  close(h[0], -Math.LN2);
  close(h[1], 0.75 * Math.log(0.75) + 0.25 * Math.log(0.25), 1e-7);
  // temperature: energy is T·lse(z/T); at T = 2 for [0, 0]: 2 ln 2
  close(energyScore(new Float32Array([0, 0]), 2, 2)[0], 2 * Math.LN2);
  assert.throws(() => getOodScore('odin'), /unknown OOD score 'odin'; known: msp, maxLogit, energy, negEntropy/);
});

test('oodSetMetrics applies every score to both sides', () => {
  // ID rows confident, OOD rows flat → every score separates them perfectly
  const idZ = new Float32Array([5, 0, 0, 6, 7, 0]);
  const oodZ = new Float32Array([0.1, 0, 0, 0.2]);
  const m = oodSetMetrics(idZ, oodZ, 2);
  assert.deepEqual(Object.keys(m), ['msp', 'maxLogit', 'energy', 'negEntropy']);
  for (const v of Object.values(m)) assert.deepEqual(v, { auroc: 1, auprIn: 1, auprOut: 1, fpr95: 0 });
});

test('bad OOD input: empty sides and NaN scores', () => {
  assert.throws(() => auroc([], [1]), /auroc: idScores is empty/);
  assert.throws(() => auroc([1], [NaN]), /oodScores\[0\] is NaN/);
  assert.throws(() => fpr95([1], []), /oodScores is empty/);
  assert.throws(() => mspScore(new Float32Array([1, 2, 3]), 2), /not a positive multiple of 2/);
});
