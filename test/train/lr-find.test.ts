import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { lrFindSvg, lrRangeTest, suggestLr, type LrFindPoint } from '../../src/train/lr-find.js';

test('the suggestion on a hand-made curve: a tenth of the minimum, capped by the steepest fall', () => {
  // Loss 2 until 1e-3, falling by 0.5 per point to 0.5 at 1e-1 (steepest between 1e-2.5 and 1e-2),
  // then rising. lr points every half decade.
  const lrs = [1e-4, 10 ** -3.5, 1e-3, 10 ** -2.5, 1e-2, 10 ** -1.5, 1e-1, 10 ** -0.5, 1];
  const loss = [2, 2, 2, 1.9, 1.2, 0.8, 0.5, 0.9, 3];
  const pts: LrFindPoint[] = lrs.map((lr, i) => ({ lr, loss: loss[i]!, smoothed: loss[i]! }));
  const s = suggestLr(pts);
  assert.equal(s.minLossLr, 1e-1);
  assert.equal(s.steepestLr, 1e-2); // the 1.9 -> 1.2 step, 1.4 per decade
  assert.equal(s.suggestion, 1e-2); // min(1e-1 / 10, 1e-2)
  assert.throws(() => suggestLr(pts.slice(0, 2)), /ran 2 step\(s\) before the loss diverged: start it lower \(--min-lr\)/);
});

test('the range test on the mlp: rates rise geometrically, the sweep stops when the loss diverges, and the suggestion lies inside it', async () => {
  const r = await lrRangeTest({ dataset: 'mnist', model: 'mlp', method: 'icm', trainSubset: 1000, valSize: 100, batchSize: 32, backend: 'cpu', seed: 3, out: mkdtempSync(path.join(tmpdir(), 'icmix-lrf-')) }, { steps: 60, minLr: 1e-4, maxLr: 100 });
  const ratio = r.points[1]!.lr / r.points[0]!.lr;
  r.points.forEach((p, i) => i && assert.ok(Math.abs(p.lr / r.points[i - 1]!.lr / ratio - 1) < 1e-9));
  assert.ok(r.stopped, 'an lr of 100 diverges');
  assert.ok(r.points.length < 60);
  assert.ok(r.suggestion > 1e-4 && r.suggestion <= r.minLossLr / 10);
  // Where the suggestion sits, the smoothed loss is below where the sweep started.
  const at = r.points.find((p) => p.lr >= r.suggestion)!;
  assert.ok(at.smoothed < r.points[0]!.smoothed, `loss ${at.smoothed} at the suggestion vs ${r.points[0]!.smoothed} at the start`);
  assert.match(lrFindSvg(r), /^<svg[\s\S]*suggested lr [\d.e-]+[\s\S]*<\/svg>$/);
});

test('bad sweeps are refused, naming the options', async () => {
  const base = { dataset: 'mnist', model: 'mlp', backend: 'cpu' as const, out: '/tmp/unused' };
  await assert.rejects(lrRangeTest(base, { steps: 5 }), /--steps 5: the range test needs at least 10 steps/);
  await assert.rejects(lrRangeTest(base, { minLr: 1, maxLr: 0.1 }), /need 0 < min-lr < max-lr/);
});

test('icmix lr-find writes its plot and numbers; icmix train --lr auto trains at the suggestion and records the test', async () => {
  const { spawnSync } = await import('node:child_process');
  const { readFileSync } = await import('node:fs');
  const common = ['--dataset', 'mnist', '--model', 'mlp', '--train-subset', '600', '--val-size', '100', '--batch-size', '32', '--backend', 'cpu', '--seed', '3', '--quiet'];
  const out = mkdtempSync(path.join(tmpdir(), 'icmix-lrf-cli-'));
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'lr-find', ...common, '--steps', '40', '--out', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const found = JSON.parse(readFileSync(path.join(out, 'lr-find.json'), 'utf8'));
  assert.match(r.stdout, new RegExp(`^suggested lr ${found.suggestion.toPrecision(2).replace('.', '\\.')} `));
  assert.match(readFileSync(path.join(out, 'lr-find.svg'), 'utf8'), /^<svg/);
  const run = mkdtempSync(path.join(tmpdir(), 'icmix-lrf-run-'));
  const t = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'train', ...common, '--lr', 'auto', '--epochs', '1', '--max-steps', '3', '--out', run, '--overwrite'], { encoding: 'utf8' });
  assert.equal(t.status, 0, t.stderr);
  const m = JSON.parse(readFileSync(path.join(run, 'manifest.json'), 'utf8'));
  // The same seed and data give the same sweep (100 steps here against 40 above, so its own suggestion).
  assert.equal(m.config.lr, m.lrFind.suggestion);
  assert.ok(m.lrFind.suggestion > 0 && m.lrFind.suggestion <= m.lrFind.minLossLr / 10);
  const bad = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'train', ...common, '--lr', 'fast', '--out', run], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--lr must be a number > 0, got NaN/);
});
