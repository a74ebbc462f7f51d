import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { compareReports, compareRuns, renderComparison, headline, meanOod, writeReport } from '../../../src/infer/report/index.js';
import { makeReport } from './fixture.js';

test('headline: ID metrics, OOD means over sets (MSP), mean corruption accuracy', () => {
  const r = makeReport();
  const rt = r.runtimes[0];
  // add a second OOD set so the mean is a real mean: (a + b) / 2 by hand
  const first = rt.suites.ood![0];
  const other = { ...first, name: 'other', scores: { msp: { auroc: 0.5, auprIn: 0.5, auprOut: 0.5, fpr95: 1 } } };
  rt.suites.ood!.push(other);
  const h = headline(r);
  assert.equal(h.accuracy, rt.suites.id!.accuracy);
  assert.equal(h.auroc, (first.scores.msp!.auroc + 0.5) / 2);
  assert.equal(h.fpr95, (first.scores.msp!.fpr95 + 1) / 2);
  assert.equal(h.corruptionAccuracy, rt.suites.corruptions!.mean.accuracy);
  assert.equal(meanOod(r.runtimes[1]), undefined);
});

test('comparison table: one row per run, best value per column in bold, missing suites as –', () => {
  const a = makeReport(1, 'ce', 0.8);
  const b = makeReport(2, 'icm', 2.5);
  delete b.runtimes[0].suites.corruptions;
  const rows = compareReports([
    { path: 'runs/ce/report.json', report: a },
    { path: 'runs/icm/report.json', report: b },
  ]);
  assert.deepEqual(rows.map((r) => [r.label, r.run, r.runtime]), [['ce', 'ce', 'cpu'], ['icm', 'icm', 'cpu']]);
  const md = renderComparison(rows);
  const lines = md.split('\n').slice(2); // after the group heading
  assert.equal(lines[0], '| method | model | T | runtime | accuracy | ECE before TS | ECE after TS | NLL | Brier | AUROC | FPR95 | AUROC (max logit) | FPR95 (max logit) | AUROC (energy) | FPR95 (energy) | corruption acc. |');
  // b has the stronger signal → higher accuracy, bold
  assert.ok(b.runtimes[0].suites.id!.accuracy > a.runtimes[0].suites.id!.accuracy);
  assert.ok(lines[3].startsWith(`| icm | model.onnx | 1 | cpu | **${(b.runtimes[0].suites.id!.accuracy * 100).toFixed(2)}%** |`), lines[3]);
  assert.ok(lines[3].endsWith('| – |'), lines[3]);
  // a is the only run with corruptions: a single value is not marked best
  assert.ok(lines[2].endsWith(`| ${(a.runtimes[0].suites.corruptions!.mean.accuracy * 100).toFixed(2)}% |`), lines[2]);
});

test('repeated methods are told apart by run folder', () => {
  const rows = compareReports([
    { path: 'runs/icm-a/report.json', report: makeReport(1) },
    { path: 'runs/icm-b', report: makeReport(2) },
  ]);
  assert.deepEqual(rows.map((r) => r.label), ['icm (icm-a)', 'icm (icm-b)']);
});

test('compareRuns needs at least one run and a report in each', async () => {
  await assert.rejects(compareRuns([]), /no runs given/);
  const dir = mkdtempSync(path.join(tmpdir(), 'icmix-cmp-'));
  try {
    await assert.rejects(compareRuns([dir]), /none of .* holds a report\.json/);
    await assert.rejects(compareRuns([path.join(dir, 'report.json')]), /does not exist/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('icmix report runs/* prints the table and writes --out', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'icmix-runs-'));
  try {
    await writeReport(path.join(root, 'ce'), makeReport(1, 'ce', 0.8));
    await writeReport(path.join(root, 'icm'), makeReport(2, 'icm', 2.5));
    const out = path.join(root, 'cmp.md');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'report', path.join(root, 'ce'), path.join(root, 'icm'), '--out', out], {
      encoding: 'utf8',
      env: { ...process.env, ICMIX_CLI: '1' },
    });
    assert.equal(r.status, 0, r.stderr);
    const want = (await compareRuns([path.join(root, 'ce'), path.join(root, 'icm')])).markdown;
    assert.equal(r.stdout, want);
    assert.equal(readFileSync(out, 'utf8'), want);
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'report', path.join(root, 'nope')], {
      encoding: 'utf8',
      env: { ...process.env, ICMIX_CLI: '1' },
    });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^icmix: .*nope does not exist; pass a run folder or its report.json/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('rows of other datasets or protocols get their own table, bold only within it; ECE before and after TS in their own columns', () => {
  const plain = makeReport(1, 'ce', 0.8);
  const cal = makeReport(2, 'icm', 2.5);
  cal.model.path = 'runs/icm/model.calibrated.onnx';
  cal.model.temperature = 1.7;
  cal.calibration = {
    temperature: 1.7,
    fitSplit: 'val',
    fitNllBefore: 0.9,
    fitNllAfter: 0.5,
    before: { accuracy: 0.9, nll: 0.8, ece: 0.123, brier: 0.2 },
    after: { accuracy: 0.9, nll: 0.4, ece: cal.runtimes[0].suites.id!.ece, brier: 0.15 },
  };
  const other = makeReport(3, 'mixup', 4);
  other.dataset = { name: 'mnist', testSize: 2000 };
  const rows = compareReports([
    { path: 'runs/ce/report.json', report: plain, protocol: 'balanced' },
    { path: 'runs/icm/report.json', report: cal, protocol: 'balanced' },
    { path: 'runs/mixup/report.json', report: other, protocol: 'balanced' },
    { path: 'runs/lt/report.json', report: makeReport(4, 'ce', 3), protocol: 'long-tailed x100' },
  ]);
  const md = renderComparison(rows);
  const heads = md.split('\n').filter((l) => l.startsWith('### '));
  assert.deepEqual(heads, ['### fashion-mnist · balanced', '### mnist · balanced', '### fashion-mnist · long-tailed x100']);
  const line = (label: string) => md.split('\n').find((l) => l.startsWith(`| ${label} |`))!;
  // Alone in their tables: nothing is bold, whatever their values against the other tables.
  assert.ok(!line('mixup').includes('**'), line('mixup'));
  assert.ok(!line('ce (lt)').includes('**'), line('ce (lt)'));
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  // The uncalibrated row's ECE is before TS; the calibrated copy's is after, its before from its record.
  assert.match(line('ce (ce)'), new RegExp(`\\| ${pct(plain.runtimes[0].suites.id!.ece).replace('.', '\\.')} \\| – \\|`));
  assert.match(line('icm'), /\| model\.calibrated\.onnx \| 1\.700 \| cpu \|/);
  // (its after-TS ECE is the only one in the table, so not bold)
  assert.match(line('icm'), new RegExp(`\\| (\\*\\*)?12\\.30%(\\*\\*)? \\| ${pct(cal.runtimes[0].suites.id!.ece).replace('.', '\\.')} \\|`));
});

test('icmix report runs/* skips folders without a report.json, with a note', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'icmix-runs-skip-'));
  try {
    await writeReport(path.join(root, 'a'), makeReport(1, 'ce', 0.8));
    await writeReport(path.join(root, 'c'), makeReport(2, 'icm', 2.5));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(path.join(root, 'b-still-training'));
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'report', ...['a', 'b-still-training', 'c'].map((d) => path.join(root, d))], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /skipped 1 folder without a report\.json \(.*b-still-training\)/);
    assert.match(r.stdout, /^\| ce \|/m);
    assert.match(r.stdout, /^\| icm \|/m);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
