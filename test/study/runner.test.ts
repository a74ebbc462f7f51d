import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { cellFraction } from '../../src/study/progress.js';
import { cellDir, runStudy, StudyProgress, studyFromObject } from '../../src/study/index.js';

const spec = { name: 'r', datasets: ['fashion-mnist'], protocols: ['balanced'], methods: ['mixup'], seeds: [0], model: 'mlp', epochs: 2 };

test('a cell folder made with other settings is reported, left alone and not counted', async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'icmix-study-changed-'));
  const before = studyFromObject(spec);
  const after = studyFromObject({ ...spec, epochs: 3 });
  const dir = cellDir(out, before.cells[0]);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'cell.json'), JSON.stringify(before.cells[0]));
  const dry = await runStudy(after, { out, dryRun: true });
  assert.deepEqual(dry.states, [{ id: 'fashion-mnist_balanced_mixup_seed0', state: 'changed', stages: [] }]);
  const lines: string[] = [];
  const r = await runStudy(after, { out, inProcess: true, write: (s) => lines.push(s) });
  assert.equal(r.failed.length, 1);
  assert.match(r.failed[0].error, /made with other settings for cell fashion-mnist_balanced_mixup_seed0 \(the study file changed\); delete that folder/);
  assert.deepEqual(readdirSync(dir), ['cell.json']); // untouched
  assert.equal(r.report!.cells.finished, 0);
  rmSync(out, { recursive: true, force: true });
});

test('progress: stage fractions and an ETA from the work done in this invocation', () => {
  assert.equal(cellFraction('train', ''), 0);
  assert.equal(cellFraction('train', 'epoch 2/4'), 0.375);
  assert.equal(cellFraction('export', ''), 0.75);
  assert.ok(Math.abs(cellFraction('evaluate', 'id') - 0.83) < 1e-12);
  const lines: string[] = [];
  const p = new StudyProgress(4, 1, false, (s) => lines.push(s));
  assert.ok(Number.isNaN(p.eta()));
  p.stage('a', 'train', 'epoch 0/4');
  p.stage('a', 'train', 'epoch 2/4');
  // 0.375 of a cell done in t seconds; 2.625 cells of work left -> 7 t.
  const t0 = Date.now();
  const eta = p.eta(t0 + 10_000);
  assert.ok(Math.abs(eta - 70) < 1, String(eta));
  p.finished('a', 'done');
  assert.ok(lines.some((l) => /\[2\/4 cells, ETA .*\] a: done/.test(l)), lines.join(''));
});
