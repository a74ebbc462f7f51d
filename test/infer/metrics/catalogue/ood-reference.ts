import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { EvalReport } from '../../../../src/infer/report/index.js';
import { oodSetMetrics } from '../../../../src/infer/metrics/index.js';
import type { MetricEntry } from '../../../../src/infer/metrics/catalogue/index.js';

/** Helpers for the OOD catalogue entries' reference tests. */

const PYTHON = '/usr/bin/python3';

/**
 * scikit-learn's AUROC and FPR at 95% TPR for a score computed by numpy/scipy from logits, ID
 * positive. `score` is a numpy expression of `z` [n, C], e.g. 'logsumexp(z, axis=1)'.
 */
export function sklearnOod(score: string, idZ: number[][], oodZ: number[][]): { auroc: number; fpr95: number } {
  assert.ok(existsSync(PYTHON), `${PYTHON} not found: this reference test needs Debian's python3 with scikit-learn (apt-get install python3-sklearn)`);
  const script = `
import json, sys
import numpy as np
from scipy.special import logsumexp
from sklearn.metrics import roc_auc_score, roc_curve
d = json.load(sys.stdin)
def score(z):
    z = np.array(z, dtype=np.float64)
    return ${score}
s = np.r_[score(d['id']), score(d['ood'])]
y = np.r_[np.ones(len(d['id'])), np.zeros(len(d['ood']))]
fpr, tpr, _ = roc_curve(y, s, drop_intermediate=False)
json.dump({'auroc': roc_auc_score(y, s), 'fpr95': float(fpr[np.argmax(tpr >= 0.95)])}, sys.stdout)
`;
  const r = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify({ id: idZ, ood: oodZ }), encoding: 'utf8' });
  assert.equal(r.status, 0, `sklearn reference failed (is python3-sklearn installed?):\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** A report holding one OOD set evaluated from logits with the real metric code (nothing else). */
export function reportFromLogits(idZ: number[][], oodZ: number[][], set = 'ref'): EvalReport {
  const C = idZ[0].length;
  const scores = oodSetMetrics(idZ.flat(), oodZ.flat(), C);
  return { runtimes: [{ runtime: 'cpu', suites: { ood: [{ name: set, kind: 'far', n: oodZ.length, scores }] } }] } as unknown as EvalReport;
}

/** The entry's value for the set. */
export const valueOf = (m: MetricEntry, r: EvalReport, set = 'ref'): number => {
  const v = m.extract(r, { ood: { set } });
  assert.ok(v !== undefined, `${m.key} absent`);
  return v;
};

/**
 * A fixed small example (8 ID rows, 8 OOD rows, 3 classes) where the scores disagree: some ID rows
 * have large but flat logits, some OOD rows one large logit.
 */
export const FIXED_ID = [
  [4.1, 3.9, 4.0],
  [2.5, -1.0, 0.3],
  [6.0, 0.5, 0.1],
  [0.2, 3.3, 3.1],
  [1.0, 1.2, 5.5],
  [3.0, 3.0, -2.0],
  [0.7, 2.2, 0.9],
  [5.1, 4.8, 0.0],
];
export const FIXED_OOD = [
  [0.1, 0.3, -0.2],
  [4.6, -3.0, -3.0],
  [1.1, 0.9, 1.0],
  [-0.5, 2.4, 0.2],
  [3.2, 3.1, 0.0],
  [0.0, 0.0, 0.0],
  [2.0, -1.5, 1.9],
  [3.5, -3.0, -3.0],
];
