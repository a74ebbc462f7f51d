import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { renderAggregateScript, renderArrayScript, runStudy, shellQuote, studyFromObject } from '../../src/study/index.js';

const spec = { name: 'c', datasets: ['fashion-mnist'], protocols: ['balanced'], methods: ['mixup', 'icm'], seeds: [0], model: 'mlp', epochs: 2 };

test('--cell: an index outside the study is an error that says how to list the cells', async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'icmix-cell-'));
  const study = studyFromObject(spec, 'studies/c.yaml');
  await assert.rejects(runStudy(study, { out, cells: [2], inProcess: true }), /--cell 2: the study c has 2 cells, numbered 0 to 1; `icmix study studies\/c\.yaml --dry-run` lists them/);
  await assert.rejects(runStudy(study, { out, cells: [-1], inProcess: true }), /--cell -1/);
  assert.deepEqual(readdirSync(out), []);
  rmSync(out, { recursive: true, force: true });
});

test('--cell refuses a folder written by another version of the study file (cell numbers would not match), touching nothing', async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'icmix-cell-'));
  const before = studyFromObject(spec, 'studies/c.yaml');
  mkdirSync(out, { recursive: true });
  const recorded = JSON.stringify({ spec: before.spec, file: before.file, protocols: before.protocols, cells: before.cells });
  writeFileSync(path.join(out, 'study.json'), recorded);
  const after = studyFromObject({ ...spec, methods: ['icm', 'mixup'] }, 'studies/c.yaml');
  await assert.rejects(runStudy(after, { out, cells: [0], inProcess: true }), /study\.json was written by a different version of studies\/c\.yaml \(its cells differ\), so cell indices would not match/);
  assert.equal(readFileSync(path.join(out, 'study.json'), 'utf8'), recorded);
  assert.deepEqual(readdirSync(out), ['study.json']);
  rmSync(out, { recursive: true, force: true });
});

test('array.sbatch: one task per pending cell, --array=0-K%M, resources and sbatch args as directives', () => {
  const base = { studyName: 'paper', studyFile: '/s/paper.yaml', out: '/r/paper', cwd: '/w', icmix: ['/usr/bin/node', '/opt/icmix/main.js'], cpusPerTask: 2, sbatchArgs: ['--account=lab', '--qos=high'] };
  const s = renderArrayScript({ ...base, cellIndices: [3, 5, 8], maxParallel: 2, mem: '4G', time: '1:00:00', partition: 'cpu' });
  assert.match(s, /^#!\/bin\/bash\n/);
  for (const d of ['--array=0-2%2', '--job-name=icmix-paper', '--output=/r/paper/slurm/logs/%A_%a.out', '--chdir=/w', '--cpus-per-task=2', '--mem=4G', '--time=1:00:00', '--partition=cpu', '--account=lab', '--qos=high']) {
    assert.match(s, new RegExp(`^#SBATCH ${d.replace(/[%.*]/g, (c) => `\\${c}`)}$`, 'm'));
  }
  assert.match(s, /^CELLS=\(3 5 8\)$/m);
  assert.match(s, /^exec \/usr\/bin\/node \/opt\/icmix\/main\.js study \/s\/paper\.yaml --out \/r\/paper --cell "\$\{CELLS\[\$SLURM_ARRAY_TASK_ID\]\}"$/m);
  // No %M without --max-parallel; no --mem/--time/--partition unless given.
  const plain = renderArrayScript({ ...base, cellIndices: [0], sbatchArgs: [] });
  assert.match(plain, /^#SBATCH --array=0-0$/m);
  assert.doesNotMatch(plain, /--mem|--time|--partition/);
  const agg = renderAggregateScript({ ...base, mem: '1G' });
  assert.match(agg, /^#SBATCH --cpus-per-task=1$/m);
  assert.match(agg, /^#SBATCH --output=\/r\/paper\/slurm\/logs\/report_%j\.out$/m);
  assert.match(agg, /--aggregate$/m);
  assert.throws(() => renderArrayScript({ ...base, cellIndices: [0], sbatchArgs: ['account=lab'] }), /--sbatch-arg "account=lab": pass one sbatch option per --sbatch-arg/);
  assert.throws(() => renderArrayScript({ ...base, cellIndices: [0], sbatchArgs: ['--x\n#SBATCH --y'] }), /one sbatch option per --sbatch-arg/);
  assert.equal(shellQuote("it's here"), `'it'\\''s here'`);
  assert.equal(shellQuote('/a/b.yaml'), '/a/b.yaml');
});
