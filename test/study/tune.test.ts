import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TrainingDiverged } from '../../src/train/trainer.js';
import { cellChanged, runCell } from '../../src/study/pipeline.js';
import { buildStudyReport, renderStudyMarkdown } from '../../src/study/report.js';
import { summariseTuning } from '../../src/study/health.js';
import type { Cell } from '../../src/study/types.js';
import { allCells, chosenLr, sweepEdge, expandStudy, type StudySpec, cellDir, runStudy, selectLr, studyFromObject, tuneCellId, type TuneGroup, type TuneRecord } from '../../src/study/index.js';

// mnist digits (bundled), an MLP, 4 steps of 32: seconds per cell.
const spec = {
  name: 'tune-tiny',
  datasets: ['mnist'],
  protocols: [{ kind: 'balanced', trainSubset: 600 }],
  methods: ['icm'],
  seeds: [0, 1],
  model: 'mlp',
  epochs: 1,
  batchSize: 32,
  train: { valSize: 200, maxStepsPerEpoch: 4, backend: 'cpu' },
  runtimes: ['cpu'],
  suites: ['id'],
  eval: { limit: 200 },
  tune: { lr: [0.0001, 0.05], seeds: [0], allowEdge: true },
};

test('expansion: tune cells per method x protocol x lr x tune seed, first in index order; main cells carry the sweep', () => {
  const s = studyFromObject({ ...spec, methods: ['ce', 'icm'], tune: { lr: [0.01, 0.1] } });
  assert.deepEqual(s.tuneCells.map((c) => c.id), [
    'tune_mnist_balanced_ce_lr0.01_seed0',
    'tune_mnist_balanced_ce_lr0.1_seed0',
    'tune_mnist_balanced_icm_lr0.01_seed0',
    'tune_mnist_balanced_icm_lr0.1_seed0',
  ]);
  assert.deepEqual(s.tuneCells.map((c) => c.train.lr), [0.01, 0.1, 0.01, 0.1]);
  assert.equal(allCells(s)[4].id, 'mnist_balanced_ce_seed0');
  assert.deepEqual(s.cells.map((c) => c.tuned?.group), ['mnist_balanced_ce', 'mnist_balanced_ce', 'mnist_balanced_icm', 'mnist_balanced_icm']);
  assert.equal(s.tuning[0].select, 'val_accuracy');
  // A protocol's own tune replaces the study's; without any, no tune cells.
  const p = studyFromObject({ ...spec, protocols: [{ kind: 'balanced', tune: { lr: [0.2], seeds: [3] } }] });
  assert.deepEqual(p.tuneCells.map((c) => c.id), ['tune_mnist_balanced_icm_lr0.2_seed3']);
  assert.equal(studyFromObject({ ...spec, tune: undefined }).tuneCells.length, 0);
  assert.throws(() => studyFromObject({ ...spec, tune: { lr: [] } }), /tune.lr: must NOT have fewer than 1 items/);
  assert.throws(() => studyFromObject({ ...spec, tune: { lr: [0.1], select: 'test_accuracy' } }), /tune.select: must be one of "val_accuracy"/);
  // The schema asks for valSize >= 1; the library (expandStudy without the schema) checks too.
  assert.throws(() => studyFromObject({ ...spec, train: { ...spec.train, valSize: 0 } }), /train.valSize: must be >= 1/);
  assert.throws(() => expandStudy({ ...spec, train: { ...spec.train, valSize: 0 } } as unknown as StudySpec), /tune needs a validation split/);
});

test('selectLr: argmax of the mean validation accuracy over tune seeds; ties to the first lr; a diverged lr never wins', () => {
  const g: TuneGroup = { group: 'g', dataset: 'd', protocol: 'p', method: 'm', lr: [0.01, 0.1, 1], seeds: [0, 1], select: 'val_accuracy', allowEdge: false, cells: [] };
  const rec = (lr: number, seed: number, valAccuracy: number): [string, TuneRecord] => [tuneCellId('g', lr, seed), { lr, seed, valAccuracy, epochs: 1 }];
  // means: 0.01 -> 0.6, 0.1 -> 0.7, 1 -> NaN (diverged) for seed 0, 0.9 for seed 1 (n = 1)
  const c = selectLr(g, new Map([rec(0.01, 0, 0.5), rec(0.01, 1, 0.7), rec(0.1, 0, 0.8), rec(0.1, 1, 0.6), rec(1, 0, NaN), rec(1, 1, 0.65)]));
  assert.equal(c.lr, 0.1);
  assert.deepEqual(c.scores.map((s) => [s.lr, Number(s.valAccuracy.toFixed(10)), s.n]), [[0.01, 0.6, 2], [0.1, 0.7, 2], [1, NaN, 0]]);
  // An lr that diverged on one seed never wins on its surviving seeds, however high they score.
  const unstable = selectLr(g, new Map([rec(0.01, 0, 0.5), rec(0.01, 1, 0.7), rec(0.1, 0, 0.8), rec(0.1, 1, 0.6), rec(1, 0, NaN), rec(1, 1, 0.95)]));
  assert.equal(unstable.lr, 0.1);
  assert.ok(Number.isNaN(unstable.scores[2].valAccuracy));
  const tie = selectLr(g, new Map([rec(0.01, 0, 0.5), rec(0.1, 0, 0.5)]));
  assert.equal(tie.lr, 0.01);
  assert.throws(() => selectLr(g, new Map([rec(0.01, 0, NaN)])), /no tune cell has a finite validation accuracy/);
});

test('the report marks a choice at the edge of its sweep, and says how many there are', () => {
  const s = studyFromObject({ ...spec, methods: ['ce', 'icm', 'mixup'], tune: { lr: [0.01, 0.03, 0.1] } });
  const rec = (group: string, lr: number, valAccuracy: number): [string, TuneRecord] => [tuneCellId(group, lr, 0), { lr, seed: 0, valAccuracy, epochs: 1 }];
  const records = new Map([
    rec('mnist_balanced_ce', 0.01, 0.5), rec('mnist_balanced_ce', 0.03, 0.7), rec('mnist_balanced_ce', 0.1, 0.6), // interior
    rec('mnist_balanced_icm', 0.01, 0.5), rec('mnist_balanced_icm', 0.03, 0.6), rec('mnist_balanced_icm', 0.1, 0.8), // top edge
    rec('mnist_balanced_mixup', 0.01, 0.9), rec('mnist_balanced_mixup', 0.03, 0.6), rec('mnist_balanced_mixup', 0.1, 0.1), // bottom edge
  ]);
  const provenance = { command: 'icmix study x', versions: {}, machine: { os: 'linux', cpu: 'x', cores: 2, memoryGiB: 1 }, wallSeconds: 0, cellSeconds: 0, invocations: [] };
  const report = buildStudyReport(s, new Map(), { provenance, failed: [], figures: [], tuning: summariseTuning(s, records) });
  const md = renderStudyMarkdown(report);
  assert.match(md, /\| mnist: balanced \| ce \| 50\.00 \| \*\*70\.00\*\* \| 60\.00 \| 0\.03 \|/);
  assert.match(md, /\| mnist: balanced \| icm \| .* \| 0\.1 \(edge\) \|/);
  assert.match(md, /\| mnist: balanced \| mixup \| .* \| 0\.01 \(edge\) \|/);
  assert.match(md, /2 of 3 choices are the smallest or largest rate swept/);
});

test('a tiny study with a 2-value sweep: tune cells first, the argmax lr for every seed, a clear error before tuning, a rerun trains nothing', async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'icmix-tune-'));
  try {
    const study = studyFromObject(spec);
    const cells = allCells(study);
    assert.deepEqual(cells.map((c) => c.id), ['tune_mnist_balanced_icm_lr0.0001_seed0', 'tune_mnist_balanced_icm_lr0.05_seed0', 'mnist_balanced_icm_seed0', 'mnist_balanced_icm_seed1']);
    // A main cell alone (a Slurm task started too early): fails, naming both tune cells.
    const early = await runStudy(study, { out, inProcess: true, quiet: true, cells: [2] });
    assert.equal(early.failed.length, 1);
    assert.match(early.failed[0].error, /trains at the lr its tune cells choose, and 2 of them have not finished: tune_mnist_balanced_icm_lr0.0001_seed0, tune_mnist_balanced_icm_lr0.05_seed0/);

    const dry = await runStudy(study, { out, dryRun: true });
    assert.deepEqual(dry.states!.map((s) => [s.id, s.state]), [
      ['tune_mnist_balanced_icm_lr0.0001_seed0', 'todo'],
      ['tune_mnist_balanced_icm_lr0.05_seed0', 'todo'],
      ['mnist_balanced_icm_seed0', 'failed'],
      ['mnist_balanced_icm_seed1', 'todo'],
    ]);

    const r = await runStudy(study, { out, inProcess: true, quiet: true });
    assert.deepEqual(r.failed, []);
    assert.deepEqual([...r.ran].sort(), cells.map((c) => c.id).sort());
    const records = study.tuneCells.map((c) => JSON.parse(readFileSync(path.join(cellDir(out, c), 'tune.json'), 'utf8')) as TuneRecord);
    // The records are the last epoch's validation accuracy of each tune run.
    for (const [i, c] of study.tuneCells.entries()) {
      const log = readFileSync(path.join(cellDir(out, c), 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(records[i].valAccuracy, log[log.length - 1].valAccuracy);
      assert.equal(records[i].lr, c.train.lr);
    }
    // Tune cells ran training only: no export, calibration or test evaluation.
    for (const c of study.tuneCells) {
      assert.deepEqual(Object.keys(JSON.parse(readFileSync(path.join(cellDir(out, c), 'stages.json'), 'utf8'))), ['train']);
      const result = JSON.parse(readFileSync(path.join(cellDir(out, c), 'manifest.json'), 'utf8')).result;
      assert.equal(result.testSkipped, true);
      assert.equal(result.testAccuracy, undefined, 'the test split is never evaluated in a tune cell');
    }
    const want = records[0].valAccuracy >= records[1].valAccuracy ? records[0].lr : records[1].lr;
    assert.notEqual(records[0].valAccuracy, records[1].valAccuracy, 'the two lrs should score differently');
    for (const c of study.cells) {
      const manifest = JSON.parse(readFileSync(path.join(cellDir(out, c), 'manifest.json'), 'utf8'));
      assert.equal(manifest.config.lr, want, `${c.id} trains at the chosen lr`);
      const tuned = JSON.parse(readFileSync(path.join(cellDir(out, c), 'tuned.json'), 'utf8'));
      assert.equal(tuned.lr, want);
    }
    // The report carries the sweep and the choice.
    assert.deepEqual(r.report!.tuning.map((t) => [t.group, t.chosen, t.scores.map((s) => s.lr)]), [['mnist_balanced_icm', want, [0.0001, 0.05]]]);
    const md = readFileSync(path.join(out, 'study-report.md'), 'utf8');
    assert.match(md, /## Learning-rate tuning/);

    const again = await runStudy(study, { out, inProcess: true, quiet: true });
    assert.deepEqual(again.ran, []);
    assert.equal(again.skipped.length, 4);

    // A tune cell rerun since (here: its record rewritten) so the group now chooses the other lr:
    // the main cells trained at the old choice are stale, reported and not used, until deleted.
    const loser = study.tuneCells.find((c) => c.train.lr !== want)!;
    const file = path.join(cellDir(out, loser), 'tune.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), valAccuracy: 0.999 }));
    const stale = await runStudy(study, { out, dryRun: true });
    assert.deepEqual(stale.states!.slice(2).map((s) => s.state), ['changed', 'changed']);
    const rerun = await runStudy(study, { out, inProcess: true, quiet: true });
    assert.deepEqual(rerun.ran, []);
    assert.equal(rerun.failed.length, 2);
    assert.match(rerun.failed[0].error, new RegExp(`trained at lr ${want}, but its tune group mnist_balanced_icm now chooses ${loser.train.lr} \\(its tune cells changed since\\); delete that folder`));
    assert.equal(rerun.report!.cells.finished, 0, 'stale cells are not counted as finished in the report');
    assert.deepEqual(study.cells.filter((c) => c.id in rerun.report!.training), [], 'nor in its convergence table');
    rmSync(cellDir(out, study.cells[0]), { recursive: true });
    const retrained = await runStudy(study, { out, inProcess: true, quiet: true });
    assert.deepEqual(retrained.ran, [study.cells[0].id]);
    assert.equal(JSON.parse(readFileSync(path.join(cellDir(out, study.cells[0]), 'manifest.json'), 'utf8')).config.lr, loser.train.lr);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('a main cell refuses tune records made with other training settings', async () => {
  const runs = mkdtempSync(path.join(tmpdir(), 'icmix-tune-stale-'));
  try {
    const study = studyFromObject(spec);
    const write = (c: (typeof study.tuneCells)[number], train: object) => {
      mkdirSync(path.join(runs, c.id), { recursive: true });
      writeFileSync(path.join(runs, c.id, 'tune.json'), JSON.stringify({ lr: c.train.lr, seed: c.seed, valAccuracy: 0.5, epochs: 1, train }));
    };
    write(study.tuneCells[0], study.tuneCells[0].train);
    write(study.tuneCells[1], { ...study.tuneCells[1].train, epochs: 7 });
    const main = { ...study.cells[1], tuned: study.cells[1].tuned! };
    await assert.rejects(chosenLr(main, runs), /tune cell tune_mnist_balanced_icm_lr0.05_seed0 was made with other training settings/);
    write(study.tuneCells[1], study.tuneCells[1].train);
    assert.equal((await chosenLr(main, runs)).lr, 0.0001); // a tie goes to the first lr
    // The same settings recorded in another key order (a release that reorders the options'
    // defaults) are the same settings: the group still chooses.
    const reversed = (o: object) => Object.fromEntries(Object.entries(o).reverse());
    write(study.tuneCells[0], reversed(study.tuneCells[0].train));
    write(study.tuneCells[1], reversed(study.tuneCells[1].train));
    assert.equal((await chosenLr(main, runs)).lr, 0.0001);
  } finally {
    rmSync(runs, { recursive: true, force: true });
  }
});

test('a tune cell whose training diverges records NaN in tune.json, and the group chooses among the other lrs', async () => {
  const runs = mkdtempSync(path.join(tmpdir(), 'icmix-tune-diverged-'));
  try {
    const study = studyFromObject(spec);
    const [low, high] = study.tuneCells;
    // The stand-in train stage: the high lr diverges, the low one leaves a finished epoch log.
    const trainStub = async ({ cell, runDir }: { cell: Cell; runDir: string }) => {
      if (cell.train.lr === high.train.lr) throw new TrainingDiverged(`the icm loss became NaN at epoch 1, step 2 (lr ${cell.train.lr})`);
      writeFileSync(path.join(runDir, 'log.jsonl'), JSON.stringify({ epoch: 1, lr: cell.train.lr, trainLoss: 1, valAccuracy: 0.4, valLoss: 1, seconds: 1, imagesPerSecond: 1 }) + '\n');
    };
    for (const c of [low, high]) await runCell(c, path.join(runs, c.id), { stages: { train: trainStub } });
    const rec = JSON.parse(readFileSync(path.join(runs, high.id, 'tune.json'), 'utf8'));
    assert.equal(rec.valAccuracy, null);
    assert.match(rec.diverged, /loss became NaN/);
    // Finished: a rerun does not train it again.
    assert.deepEqual((await runCell(high, path.join(runs, high.id), { stages: { train: trainStub } })).ran, []);
    const main = { ...study.cells[0], tuned: study.cells[0].tuned! };
    const choice = await chosenLr(main, runs);
    assert.equal(choice.lr, low.train.lr);
    assert.ok(Number.isNaN(choice.scores[1].valAccuracy));
  } finally {
    rmSync(runs, { recursive: true, force: true });
  }
});

test('a choice on the edge of its sweep stops the main cells, naming the rate to add (unless tune.allowEdge)', async () => {
  const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const runs = mkdtempSync(path.join(tmpdir(), 'icmix-edge-'));
  const group: TuneGroup = { group: 'g', dataset: 'd', protocol: 'p', method: 'm', lr: [0.01, 0.03, 0.1], seeds: [9], select: 'val_accuracy', allowEdge: false, cells: [] };
  group.cells = group.lr.map((lr) => tuneCellId('g', lr, 9));
  group.lr.forEach((lr, i) => {
    mkdirSync(path.join(runs, group.cells[i]!));
    writeFileSync(path.join(runs, group.cells[i]!, 'tune.json'), JSON.stringify({ lr, seed: 9, valAccuracy: [0.5, 0.6, 0.7][i], epochs: 1 }));
  });
  const cell = { id: 'd_p_m_seed1', tuned: group } as unknown as Cell & { tuned: TuneGroup };
  await assert.rejects(chosenLr(cell, runs), /tune group g chose lr 0\.1, the top of its sweep \[0\.01, 0\.03, 0\.1\].*add 0\.33 to tune\.lr in the study file.*or set tune\.allowEdge: true/);
  assert.equal((await chosenLr({ ...cell, tuned: { ...group, allowEdge: true } }, runs)).lr, 0.1);
  assert.deepEqual(sweepEdge({ lr: [0.01, 0.03, 0.1] }, 0.1), { side: 'top', next: 0.33 });
  assert.deepEqual(sweepEdge({ lr: [0.1, 0.01, 0.03] }, 0.01), { side: 'bottom', next: 0.0033 });
  assert.equal(sweepEdge({ lr: [0.01, 0.03, 0.1] }, 0.03), undefined);
  assert.equal(sweepEdge({ lr: [0.1] }, 0.1), undefined);
  // The edge is the sweep's, not the best finite one's: 0.1 diverged, so 0.03 is an interior choice.
  assert.equal(sweepEdge({ lr: [0.01, 0.03, 0.1] }, 0.03), undefined);
});

test('a sweep extended past its edge keeps the main cells whose group still chooses their rate, and retires those whose choice moved', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'icmix-tune-extend-'));
  try {
    const before = studyFromObject({ ...spec, tune: { lr: [0.01, 0.03], seeds: [0] } });
    const after = studyFromObject({ ...spec, tune: { lr: [0.003, 0.01, 0.03], seeds: [0] } });
    const main = before.cells[0];
    const dir = cellDir(out, main);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'cell.json'), JSON.stringify(main));
    writeFileSync(path.join(dir, 'tuned.json'), JSON.stringify({ lr: 0.01, group: main.tuned!.group, valAccuracy: 0.8 }));
    const record = (lr: number, valAccuracy: number) => {
      const c = after.tuneCells.find((t) => t.train.lr === lr)!;
      mkdirSync(cellDir(out, c), { recursive: true });
      writeFileSync(path.join(cellDir(out, c), 'tune.json'), JSON.stringify({ lr, seed: 0, valAccuracy, epochs: 1, train: c.train }));
    };
    record(0.01, 0.8);
    record(0.03, 0.7);
    const mainAfter = after.cells[0];
    assert.equal(cellChanged(main, dir), false);
    assert.equal(cellChanged(mainAfter, dir), false, 'the new rate has not been scored: nothing to retire yet');
    record(0.003, 0.75);
    assert.equal(cellChanged(mainAfter, dir), false, 'the group still chooses 0.01: the cell stands');
    record(0.003, 0.85);
    assert.equal(cellChanged(mainAfter, dir), true, 'the choice moved to 0.003: the cell trained at 0.01 is retired');
    // Other changes to the group still make another cell.
    assert.equal(cellChanged({ ...mainAfter, tuned: { ...mainAfter.tuned!, seeds: [0, 1] } }, dir), true);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
