import { test } from 'node:test';
import assert from 'node:assert/strict';
import { energyAuroc, energyFpr95, mspAuroc, mspFpr95 } from '../../../../src/infer/metrics/catalogue/index.js';
import { FIXED_ID, FIXED_OOD, reportFromLogits, sklearnOod, valueOf } from './ood-reference.js';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('energy entry: hand-worked example where energy separates and max softmax does not', () => {
  // ID a = [5, 5]: energy lse = 5 + ln 2 ≈ 5.693, msp ½; ID b = [3, 0]: energy 3 + ln(1 + e^-3) ≈ 3.049, msp ≈ .953
  // OOD c = [5.5, -10]: energy ≈ 5.5000002, msp ≈ 1; OOD d = [1, 0]: energy ln(e + 1) ≈ 1.313, msp ≈ .731
  // energy (higher = ID): a > c, a > d, b < c, b > d → AUROC 3/4; 95% TPR needs both ID kept → t = 3.049,
  //   OOD ≥ t: c only → FPR95 ½
  // msp: a < c, a < d, b < c, b > d → AUROC 1/4; t = ½ keeps both OOD → FPR95 1
  const r = reportFromLogits([[5, 5], [3, 0]], [[5.5, -10], [1, 0]]);
  close(valueOf(energyAuroc, r), 3 / 4);
  close(valueOf(energyFpr95, r), 1 / 2);
  close(valueOf(mspAuroc, r), 1 / 4);
  close(valueOf(mspFpr95, r), 1);
});

test('energy entry agrees with sklearn roc_auc_score / roc_curve on scipy logsumexp scores', () => {
  const ref = sklearnOod('logsumexp(z, axis=1)', FIXED_ID, FIXED_OOD);
  const r = reportFromLogits(FIXED_ID, FIXED_OOD);
  close(valueOf(energyAuroc, r), ref.auroc);
  close(valueOf(energyFpr95, r), ref.fpr95);
  // the example is not degenerate: neither perfect nor chance, and different from max softmax
  assert.ok(ref.auroc > 0.6 && ref.auroc < 1, String(ref.auroc));
  assert.notEqual(valueOf(energyAuroc, r), valueOf(mspAuroc, r));
});

test('energy entry: key, titles, unit, direction and the stated convention', () => {
  assert.deepEqual([energyAuroc.key, energyAuroc.title, energyAuroc.short, energyAuroc.unit, energyAuroc.direction], ['energyAuroc', 'OOD AUROC (energy)', 'AUROC (energy)', 'rate', 'higher']);
  assert.deepEqual([energyFpr95.key, energyFpr95.title, energyFpr95.direction], ['energyFpr95', 'OOD FPR95 (energy)', 'lower']);
  assert.match(energyAuroc.description, /T·logsumexp\(z\/T\), T = 1.*higher score = more in-distribution/);
  // In the study tables and in `icmix report`, next to max softmax and max logit.
  assert.deepEqual(energyAuroc.views, ['compare', 'study']);
  assert.deepEqual(energyFpr95.views, ['compare', 'study']);
});
