import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maxLogitAuroc, maxLogitFpr95, energyAuroc, mspAuroc } from '../../../../src/infer/metrics/catalogue/index.js';
import { FIXED_ID, FIXED_OOD, reportFromLogits, sklearnOod, valueOf } from './ood-reference.js';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('max-logit entry: hand-worked example', () => {
  // ID [5, 5] → 5, [3, 0] → 3; OOD [5.5, -10] → 5.5, [1, 0] → 1
  // pairs: 5 < 5.5, 5 > 1, 3 < 5.5, 3 > 1 → AUROC 2/4; t = 3 (both ID kept), OOD ≥ 3: 5.5 → FPR95 ½
  const r = reportFromLogits([[5, 5], [3, 0]], [[5.5, -10], [1, 0]]);
  close(valueOf(maxLogitAuroc, r), 2 / 4);
  close(valueOf(maxLogitFpr95, r), 1 / 2);
  // OOD [0.5, 0] ranks below every ID row: perfect separation, FPR95 0
  const p = reportFromLogits([[5, 5], [3, 0]], [[0.5, 0], [0, 0]]);
  close(valueOf(maxLogitAuroc, p), 1);
  close(valueOf(maxLogitFpr95, p), 0);
});

test('max-logit entry agrees with sklearn roc_auc_score / roc_curve on numpy max scores', () => {
  const ref = sklearnOod('z.max(axis=1)', FIXED_ID, FIXED_OOD);
  const r = reportFromLogits(FIXED_ID, FIXED_OOD);
  close(valueOf(maxLogitAuroc, r), ref.auroc);
  close(valueOf(maxLogitFpr95, r), ref.fpr95);
  assert.ok(ref.auroc > 0.6 && ref.auroc < 1, String(ref.auroc));
  assert.notEqual(valueOf(maxLogitAuroc, r), valueOf(mspAuroc, r));
  assert.notEqual(valueOf(maxLogitAuroc, r), valueOf(energyAuroc, r));
});

test('max-logit entry: key, titles, unit, direction', () => {
  assert.deepEqual([maxLogitAuroc.key, maxLogitAuroc.title, maxLogitAuroc.unit, maxLogitAuroc.direction], ['maxLogitAuroc', 'OOD AUROC (max logit)', 'rate', 'higher']);
  assert.deepEqual([maxLogitFpr95.key, maxLogitFpr95.title, maxLogitFpr95.direction], ['maxLogitFpr95', 'OOD FPR95 (max logit)', 'lower']);
  assert.match(maxLogitAuroc.description, /max_c z_c.*higher score = more in-distribution/);
});
