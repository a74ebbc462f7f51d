/**
 * Per-class accuracy and the confusion matrix (issue 25, what users expect): a hand-worked case,
 * sklearn's confusion_matrix on random predictions, and eval writing them (report.json, report.md,
 * confusion.svg).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { useBackend } from '../../../src/backend/select.js';
import { evaluate } from '../../../src/infer/evaluate.js';
import { argmaxRows, confusionMatrix, perClassAccuracy } from '../../../src/infer/metrics/index.js';
import { writeReport } from '../../../src/infer/report/index.js';
import { Rng } from '../../../src/util/rng.js';
import { tinyRunDir } from '../runtimes/tiny-model.js';
import { writeIdxDataset } from '../suites/fixtures.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'icmix-confusion-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('by hand: rows are true classes, columns predictions, ties to the first class', () => {
  // 5 images, 3 classes: predicted 0, 1, 1, 2, 0 (the last a tie between 0 and 2).
  const probs = [0.7, 0.2, 0.1, 0.1, 0.8, 0.1, 0.3, 0.4, 0.3, 0.1, 0.1, 0.8, 0.4, 0.2, 0.4];
  const labels = [0, 1, 0, 2, 2];
  const m = confusionMatrix(probs, labels, 3);
  assert.deepEqual(m, [
    [1, 1, 0],
    [0, 1, 0],
    [1, 0, 1],
  ]);
  assert.deepEqual(perClassAccuracy(m), [
    { n: 2, accuracy: 0.5 },
    { n: 1, accuracy: 1 },
    { n: 2, accuracy: 0.5 },
  ]);
  assert.deepEqual(perClassAccuracy([[0, 0], [1, 2]])[0], { n: 0, accuracy: null });
});

test('equals sklearn.metrics.confusion_matrix on 500 random predictions over 7 classes', () => {
  const rng = new Rng(11);
  const [n, C] = [500, 7];
  const probs = Float32Array.from({ length: n * C }, () => rng.next());
  const labels = Int32Array.from({ length: n }, () => rng.int(C));
  const pred = Array.from(argmaxRows(probs, C));
  const py = 'import json,sys\nfrom sklearn.metrics import confusion_matrix\nd=json.load(sys.stdin)\nprint(json.dumps(confusion_matrix(d["y"], d["p"], labels=list(range(d["C"]))).tolist()))';
  const r = spawnSync('/usr/bin/python3', ['-c', py], { input: JSON.stringify({ y: Array.from(labels), p: pred, C }), encoding: 'utf8' });
  assert.equal(r.status, 0, `needs Debian's python3-sklearn: ${r.stderr}`);
  assert.deepEqual(confusionMatrix(probs, labels, C), JSON.parse(r.stdout));
});

test('eval puts the matrix in report.json, per-class accuracy and the matrix in report.md, and writes confusion.svg', async () => {
  await useBackend('cpu');
  const dataDir = await writeIdxDataset({ h: 8, w: 8, classes: 3, train: 6, test: 24, seed: 1 });
  const { onnxPath } = await tinyRunDir({ shape: [8, 8, 1], classes: 3, normalization: { mean: [0.2], std: [0.3] }, hidden: 6, seed: 4 });
  const report = await evaluate({ model: onnxPath, dataset: `idx:${dataDir}`, suites: ['id'] });
  const id = report.runtimes[0].suites.id!;
  const m = id.confusion!;
  assert.equal(m.flat().reduce((a, b) => a + b, 0), 24);
  assert.ok(Math.abs(m.reduce((a, row, t) => a + row[t], 0) / 24 - id.accuracy) < 1e-12, 'the diagonal is the accuracy');
  const out = path.join(tmp, 'eval');
  await writeReport(out, report);
  const md = readFileSync(path.join(out, 'report.md'), 'utf8');
  assert.match(md, /## Per class \(cpu\)/);
  assert.match(md, /## Confusion matrix \(cpu; rows: true class, columns: predicted\)/);
  const per = perClassAccuracy(m);
  assert.match(md, new RegExp(`\\| ${report.model.classNames[0]} \\| ${per[0].n} \\| ${per[0].accuracy === null ? '–' : (per[0].accuracy * 100).toFixed(2)}%? \\|`));
  const svg = readFileSync(path.join(out, 'confusion.svg'), 'utf8');
  assert.match(svg, /^<svg /);
  assert.equal((svg.match(/<rect x=/g) ?? []).length, 9);
  assert.ok(JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')).runtimes[0].suites.id.confusion);
});
