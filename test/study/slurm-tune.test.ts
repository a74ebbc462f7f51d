/**
 * The Slurm executor's submissions for a study with a learning-rate sweep, without a cluster:
 * stand-in sbatch / sinfo / squeue on PATH record what would be submitted (the real-cluster
 * tests are in slurm.test.ts). Checks the two arrays, the main array's dependency on the tune
 * array, and that a rerun submits only what is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { allCells, cellDir, loadStudy, runStudyOnSlurm } from '../../src/study/index.js';

const STUDY = `name: slurm-tune
datasets: [mnist]
protocols: [{ kind: balanced, trainSubset: 600 }]
methods: [mixup, icm]
seeds: [0, 1]
model: mlp
epochs: 1
train: { valSize: 200, maxStepsPerEpoch: 2 }
suites: [id]
tune: { lr: [0.01, 0.1], allowEdge: true }
`;

function fakeSlurm(dir: string): void {
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  const write = (name: string, body: string) => {
    writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  };
  write('sbatch', `if [ "$1" = "--version" ]; then echo "slurm 23.02.0"; exit 0; fi
n=$(( $(cat ${dir}/counter 2>/dev/null || echo 100) + 1 )); echo $n > ${dir}/counter
echo "$n $*" >> ${dir}/calls
echo $n`);
  write('sinfo', 'echo debug');
  write('squeue', 'exit 0');
}

test('slurm with a sweep: a tune array, the main array after it (afterany), the report after that; a rerun submits only what is missing', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'icmix-slurm-tune-'));
  const oldPath = process.env.PATH;
  try {
    fakeSlurm(dir);
    process.env.PATH = `${path.join(dir, 'bin')}${path.delimiter}${oldPath}`;
    const file = path.join(dir, 'study.yaml');
    writeFileSync(file, STUDY);
    const study = await loadStudy(file);
    const out = path.join(dir, 'out');
    const opts = { out, noWait: true, quiet: true, cpusPerTask: 1, sbatchArgs: [], icmix: ['icmix'] };
    const r = await runStudyOnSlurm(study, opts);
    const cells = allCells(study);
    assert.equal(cells.length, 8); // 2 methods x 2 lrs tune cells, then 2 methods x 2 seeds
    assert.deepEqual(r.submitted, cells.map((c) => c.id));
    const calls = readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n');
    assert.deepEqual(calls.map((l) => l.replace(/ \S+\/slurm\//, ' ')), ['101 --parsable tune-array.sbatch', '102 --parsable array.sbatch', '103 --parsable --dependency=afterany:102 aggregate.sbatch']);
    const tune = readFileSync(path.join(out, 'slurm', 'tune-array.sbatch'), 'utf8');
    assert.match(tune, /^#SBATCH --array=0-3$/m);
    assert.match(tune, /^#SBATCH --job-name=icmix-slurm-tune-tune$/m);
    assert.match(tune, /^CELLS=\(0 1 2 3\)$/m);
    assert.doesNotMatch(tune, /--dependency/);
    const main = readFileSync(path.join(out, 'slurm', 'array.sbatch'), 'utf8');
    assert.match(main, /^#SBATCH --array=0-3$/m);
    assert.match(main, /^#SBATCH --dependency=afterany:101$/m);
    assert.match(main, /^CELLS=\(4 5 6 7\)$/m);
    assert.match(main, /--cell "\$\{CELLS\[\$SLURM_ARRAY_TASK_ID\]\}"/);
    assert.equal(r.arrayJobId, '102');
    const sub = JSON.parse(readFileSync(path.join(out, 'slurm', 'submissions.jsonl'), 'utf8').trim());
    assert.equal(sub.tune.arrayJobId, '101');
    assert.deepEqual(sub.tune.tasks.map((t: { cell: string }) => t.cell), study.tuneCells.map((c) => c.id));

    // The tune cells finish (their tune.json), the main cells do not: a rerun submits the main
    // cells alone, with no tune array and no dependency.
    for (const c of study.tuneCells) {
      mkdirSync(cellDir(out, c), { recursive: true });
      writeFileSync(path.join(cellDir(out, c), 'cell.json'), JSON.stringify(c));
      writeFileSync(path.join(cellDir(out, c), 'tune.json'), JSON.stringify({ lr: c.train.lr, seed: c.seed, valAccuracy: 0.5, epochs: 1 }));
    }
    rmSync(path.join(out, 'slurm', 'tune-array.sbatch'));
    const again = await runStudyOnSlurm(study, opts);
    assert.deepEqual(again.submitted, study.cells.map((c) => c.id));
    const calls2 = readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n').slice(3);
    assert.deepEqual(calls2.map((l) => l.replace(/ \S+\/slurm\//, ' ')), ['104 --parsable array.sbatch', '105 --parsable --dependency=afterany:104 aggregate.sbatch']);
    assert.ok(!existsSync(path.join(out, 'slurm', 'tune-array.sbatch')));
    assert.doesNotMatch(readFileSync(path.join(out, 'slurm', 'array.sbatch'), 'utf8'), /--dependency/);
    assert.match(readFileSync(path.join(out, 'slurm', 'array.sbatch'), 'utf8'), /^CELLS=\(4 5 6 7\)$/m);
  } finally {
    process.env.PATH = oldPath;
    rmSync(dir, { recursive: true, force: true });
  }
});
