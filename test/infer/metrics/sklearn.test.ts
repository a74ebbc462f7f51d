import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { auroc, auprIn, auprOut, fpr95, nll, brier, accuracy, softmax } from '../../../src/infer/metrics/index.js';
import { Rng } from '../../../src/util/rng.js';

/**
 * Cross-check against scikit-learn on random data generated here and passed to Debian's python as
 * JSON. sklearn is a CI dependency (apt python3-sklearn): if it is missing this test fails.
 */
const PYTHON = '/usr/bin/python3';

const SCRIPT = `
import json, sys
import numpy as np
from sklearn.metrics import roc_auc_score, average_precision_score, log_loss, roc_curve, accuracy_score
d = json.load(sys.stdin)
out = []
for case in d['ood']:
    i = np.array(case['id'], dtype=np.float64); o = np.array(case['ood'], dtype=np.float64)
    y = np.r_[np.ones(len(i)), np.zeros(len(o))]; s = np.r_[i, o]
    fpr, tpr, _ = roc_curve(y, s, drop_intermediate=False)
    out.append({
        'auroc': roc_auc_score(y, s),
        'auprIn': average_precision_score(y, s),
        'auprOut': average_precision_score(1 - y, -s),
        'fpr95': float(fpr[np.argmax(tpr >= 0.95)]),
    })
p = np.array(d['probs'], dtype=np.float64).reshape(-1, d['C']); lab = np.array(d['labels'])
onehot = np.eye(d['C'])[lab]
cls = {
    'nll': log_loss(lab, p, labels=list(range(d['C']))),
    'brier': float(np.mean(np.sum((p - onehot) ** 2, axis=1))),
    'accuracy': accuracy_score(lab, p.argmax(axis=1)),
}
json.dump({'ood': out, 'cls': cls}, sys.stdout)
`;

function sklearn(input: unknown): { ood: Array<Record<string, number>>; cls: Record<string, number> } {
  assert.ok(
    existsSync(PYTHON),
    `${PYTHON} not found: this cross-check needs Debian's python3 with scikit-learn (apt-get install python3-sklearn)`,
  );
  const r = spawnSync(PYTHON, ['-c', SCRIPT], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(
    r.status,
    0,
    `sklearn reference failed (is python3-sklearn installed? apt-get install python3-sklearn):\n${r.stderr}`,
  );
  return JSON.parse(r.stdout);
}

test('AUROC, AUPR-In, AUPR-Out, FPR95, NLL, Brier and accuracy agree with sklearn on random data', () => {
  const rng = new Rng(2024);
  const round = (x: number, q: number) => Math.round(x * q) / q;
  const cases: Array<{ id: number[]; ood: number[] }> = [];
  for (let k = 0; k < 6; k++) {
    const nId = 50 + rng.int(300);
    const nOod = 20 + rng.int(300);
    const shift = rng.next() * 2;
    // odd cases round coarsely so many scores tie across and within the two sides
    const q = k % 2 ? 10 : 1e6;
    cases.push({
      id: Array.from({ length: nId }, () => round(rng.normal() + shift, q)),
      ood: Array.from({ length: nOod }, () => round(rng.normal(), q)),
    });
  }
  const C = 7;
  const n = 500;
  const logits = new Float32Array(n * C);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = rng.int(C);
    for (let c = 0; c < C; c++) logits[i * C + c] = 2 * rng.normal() + (c === labels[i] ? 1.5 : 0);
  }
  const probs = softmax(logits, C);
  const ref = sklearn({ ood: cases, probs: Array.from(probs), labels: Array.from(labels), C });

  cases.forEach((c, k) => {
    const got = { auroc: auroc(c.id, c.ood), auprIn: auprIn(c.id, c.ood), auprOut: auprOut(c.id, c.ood), fpr95: fpr95(c.id, c.ood) };
    for (const key of Object.keys(got) as Array<keyof typeof got>) {
      assert.ok(Math.abs(got[key] - ref.ood[k][key]) < 1e-10, `case ${k} ${key}: ours ${got[key]} vs sklearn ${ref.ood[k][key]}`);
    }
  });
  // float32 probabilities here vs float64 rows renormalised by sklearn: agree to ~1e-6
  assert.ok(Math.abs(nll(probs, labels, C) - ref.cls.nll) < 1e-5, `nll ${nll(probs, labels, C)} vs ${ref.cls.nll}`);
  assert.ok(Math.abs(brier(probs, labels, C) - ref.cls.brier) < 1e-6, `brier ${brier(probs, labels, C)} vs ${ref.cls.brier}`);
  assert.equal(accuracy(probs, labels, C), ref.cls.accuracy);
});
