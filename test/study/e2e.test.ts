import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readReport } from '../../src/infer/report/index.js';
import { runStudy, studyFromObject } from '../../src/study/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

test('studies/ci.yaml end to end with two parallel jobs: every cell trained, exported, calibrated, evaluated; the report aggregates them', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'icmix-study-ci-'));
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'study', 'studies/ci.yaml', '--out', out, '--jobs', '2'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /study report: .*study-report\.md/);
  assert.match(r.stderr, /\[2\/2 cells/);
  const cells = ['fashion-mnist_balanced_mixup_seed0', 'fashion-mnist_balanced_icm_seed0'];
  const reports = cells.map((c) => readReport(path.join(out, 'runs', c)));
  return Promise.all(reports).then((rs) => {
    const json = JSON.parse(readFileSync(path.join(out, 'study-report.json'), 'utf8'));
    assert.equal(json.cells.finished, 2);
    assert.deepEqual(json.cells.failed, []);
    for (const [i, { report }] of rs.entries()) {
      // Each cell: the uncalibrated model.onnx evaluated on every suite, plus its temperature fit.
      assert.equal(report.model.method, ['mixup', 'icm'][i]);
      assert.deepEqual(report.settings.suites, ['id', 'ood', 'corruptions']);
      assert.equal(report.model.temperature, 1);
      assert.ok(report.calibration && report.calibration.temperature > 0);
      assert.ok(existsSync(path.join(out, 'runs', cells[i], 'model.calibrated.onnx')));
      assert.equal(report.runtimes[0].suites.corruptions!.results.length, 6); // 2 corruptions x 3 severities
      // Two cells side by side share the cores: each trained with its share of workers.
      const manifest = JSON.parse(readFileSync(path.join(out, 'runs', cells[i], 'manifest.json'), 'utf8'));
      assert.equal(manifest.config.workers, Math.max(1, Math.floor(availableParallelism() / 2)));
      // The study's numbers are exactly the cell reports' numbers.
      const m = json.cellMetrics[cells[i]];
      const rt = report.runtimes[0];
      assert.equal(m.accuracy, rt.suites.id!.accuracy);
      assert.equal(m.ece, rt.suites.id!.ece);
      assert.equal(m.eceTs, report.calibration!.after.ece);
      assert.equal(m.auroc, rt.suites.ood!.find((s) => s.name === 'mnist')!.scores.msp!.auroc);
      assert.equal(m.corruptionAccuracy, rt.suites.corruptions!.mean.accuracy);
      assert.equal(json.tables[0].rows[i].metrics.accuracy.mean, m.accuracy);
    }
    assert.equal(json.comparisons[0].metrics.accuracy.n, 1);
    assert.equal(json.comparisons[0].metrics.accuracy.mean, json.cellMetrics[cells[1]].accuracy - json.cellMetrics[cells[0]].accuracy);
    const md = readFileSync(path.join(out, 'study-report.md'), 'utf8');
    assert.match(md, /### fashion-mnist: balanced \(balanced, training subset of 512\)/);
    assert.match(md, /\| mixup \| 1 \|/);
    assert.match(md, /\| icm \| 1 \|/);
    assert.match(md, /## Paired comparison: icm − mixup/);
    assert.match(md, /MLP, 1 epoch of 4 steps/); // the study's notes are printed
    assert.match(md, /Command: `icmix study studies\/ci\.yaml --out .* --jobs 2`/);
    const svg = readFileSync(path.join(out, 'reliability-fashion-mnist_balanced.svg'), 'utf8');
    assert.match(svg, /<title>mixup \(1 seed\) \(ECE/);
    assert.match(svg, /<title>icm \(1 seed\) \(ECE/);
    // A dry run now lists both cells as finished.
    const dry = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'study', 'studies/ci.yaml', '--out', out, '--dry-run'], { cwd: root, encoding: 'utf8' });
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /2 cells: 2 finished, 0 partial, 0 failed before, 0 to do/);
    rmSync(out, { recursive: true, force: true });
  });
});

test('a failing cell is recorded in its folder and the report, and the study still reports', async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'icmix-study-fail-'));
  // 100000 images per class do not exist: training fails at once with the data module's message.
  const study = studyFromObject({
    name: 'fail',
    datasets: ['fashion-mnist'],
    protocols: [{ kind: 'data-constrained', perClass: 100000 }],
    methods: ['mixup'],
    seeds: [0],
    model: 'mlp',
    epochs: 1,
    train: { backend: 'wasm' },
  });
  const lines: string[] = [];
  const result = await runStudy(study, { out, inProcess: true, write: (s) => lines.push(s) });
  assert.equal(result.failed.length, 1);
  assert.match(result.failed[0].error, /stage train: perClass 100000 is more than the/);
  const err = readFileSync(path.join(out, 'runs', 'fashion-mnist_dc100000_mixup_seed0', 'error.txt'), 'utf8');
  assert.match(err, /^stage train failed: perClass 100000/);
  assert.deepEqual(result.report!.cells.failed.map((f) => f.id), ['fashion-mnist_dc100000_mixup_seed0']);
  assert.match(readFileSync(path.join(out, 'study-report.md'), 'utf8'), /## Failed cells\n\n- `fashion-mnist_dc100000_mixup_seed0`: cell fashion-mnist_dc100000_mixup_seed0, stage train: perClass 100000/);
  assert.ok(lines.some((l) => /fashion-mnist_dc100000_mixup_seed0: failed/.test(l)));
  rmSync(out, { recursive: true, force: true });
});

test('a cell whose process crashes (a fault signal, as in native code) is a failure naming the crash and the kept checkpoint', async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'icmix-study-crash-'));
  const study = studyFromObject({ name: 'crash', datasets: ['fashion-mnist'], protocols: [{ kind: 'data-constrained', perClass: 5 }], methods: ['icm'], seeds: [0], model: 'mlp', epochs: 1, train: { backend: 'cpu' } });
  const previous = process.env.ICMIX_TEST_CELL_SIGNAL;
  process.env.ICMIX_TEST_CELL_SIGNAL = 'SIGSEGV';
  try {
    const result = await runStudy(study, { out, write: () => {} });
    assert.equal(result.failed.length, 1);
    assert.match(result.failed[0].error, /the cell's process crashed \(SIGSEGV\), inside native code .*last epoch checkpoint is kept: rerun the study to resume it/);
  } finally {
    if (previous === undefined) delete process.env.ICMIX_TEST_CELL_SIGNAL;
    else process.env.ICMIX_TEST_CELL_SIGNAL = previous;
    rmSync(out, { recursive: true, force: true });
  }
});
