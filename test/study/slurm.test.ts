import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSlurm, jobCompFile, stopOurCluster } from './slurm-cluster.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'src/cli/main.ts');
let started = false;

before(() => {
  started = ensureSlurm();
});
after(() => stopOurCluster(started));

function icmix(args: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: root, encoding: 'utf8', env, timeout: 300_000 });
}

/** ArrayTaskIds of the finished tasks of one array job, from the jobcomp/filetxt file. */
function jobCompTasks(arrayJobId: string): number[] {
  const lines = readFileSync(jobCompFile(), 'utf8').split('\n');
  return lines
    .filter((l) => new RegExp(`\\bArrayJobId=${arrayJobId}\\b`).test(l))
    .map((l) => Number(/\bArrayTaskId=(\d+)/.exec(l)?.[1]))
    .sort((a, b) => a - b);
}

async function waitFor(what: string, check: () => boolean, ms = 120_000): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function queued(jobIds: string[]): string[] {
  const r = spawnSync('squeue', ['-h', '-r', '-j', jobIds.join(','), '-o', '%i'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => l.trim());
}

/** Every file under dir with its size and mtime: to prove a refused command changed nothing. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out.push(`${path.relative(dir, p)} ${st.size} ${st.mtimeMs}`);
    }
  };
  walk(dir);
  return out;
}

const e2eOut = mkdtempSync(path.join(tmpdir(), 'icmix-slurm-e2e-'));

test('studies/ci.yaml with --executor slurm: one array task per pending cell, the same report as a local run, logs linked', () => {
  const local = icmix(['study', 'studies/ci.yaml', '--out', path.join(e2eOut, 'local')]);
  assert.equal(local.status, 0, local.stderr);
  const out = path.join(e2eOut, 'slurm');
  const r = icmix(['study', 'studies/ci.yaml', '--out', out, '--executor', 'slurm', '--max-parallel', '2', '--cpus-per-task', '1', '--time', '10:00', '--sbatch-arg=--comment=icmix-test']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /submitted array job (\d+) \(2 tasks\) and report job (\d+)/);
  assert.match(r.stderr, /slurm: 2\/2 cells done, 0 running, 0 pending, 0 failed/);
  assert.match(r.stdout, /study report: .*study-report\.md/);
  const [, arrayJob] = /submitted array job (\d+)/.exec(r.stderr)!;

  const script = readFileSync(path.join(out, 'slurm', 'array.sbatch'), 'utf8');
  assert.match(script, /^#SBATCH --array=0-1%2$/m);
  assert.match(script, /^#SBATCH --cpus-per-task=1$/m);
  assert.match(script, /^#SBATCH --time=10:00$/m);
  assert.match(script, /^#SBATCH --comment=icmix-test$/m);
  assert.match(script, /--cell "\$\{CELLS\[\$SLURM_ARRAY_TASK_ID\]\}"/);
  // Slurm ran exactly one array task per pending cell.
  assert.deepEqual(jobCompTasks(arrayJob), [0, 1]);

  const a = JSON.parse(readFileSync(path.join(out, 'study-report.json'), 'utf8'));
  const b = JSON.parse(readFileSync(path.join(e2eOut, 'local', 'study-report.json'), 'utf8'));
  assert.equal(a.cells.finished, 2);
  assert.deepEqual(a.cellMetrics, b.cellMetrics);
  assert.deepEqual(a.tables, b.tables);
  assert.deepEqual(a.comparisons, b.comparisons);
  // The report links each cell to its Slurm log (%A_%a).
  assert.deepEqual(a.provenance.cellLogs, {
    'fashion-mnist_balanced_mixup_seed0': [`slurm/logs/${arrayJob}_0.out`],
    'fashion-mnist_balanced_icm_seed0': [`slurm/logs/${arrayJob}_1.out`],
  });
  for (const logs of Object.values(a.provenance.cellLogs) as string[][]) assert.ok(existsSync(path.join(out, logs[0])));
  assert.match(readFileSync(path.join(out, 'study-report.md'), 'utf8'), new RegExp(`Slurm task logs: .*\\[${arrayJob}_0\\.out\\]\\(slurm/logs/${arrayJob}_0\\.out\\)`));

  // Rerun: every cell is done, nothing is resubmitted.
  const again = icmix(['study', 'studies/ci.yaml', '--out', out, '--executor', 'slurm', '--no-wait']);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /nothing to submit/);
  assert.equal(readFileSync(path.join(out, 'slurm', 'submissions.jsonl'), 'utf8').trim().split('\n').length, 1);
});

test('bad input: no sbatch, no controller, unknown partition, a folder of another study: clear errors, nothing finished touched', () => {
  const out = path.join(e2eOut, 'slurm');
  const before = snapshot(out);
  const noSbatch = mkdtempSync(path.join(tmpdir(), 'icmix-nosbatch-'));
  symlinkSync(process.execPath, path.join(noSbatch, 'node'));
  const missing = icmix(['study', 'studies/ci.yaml', '--out', out, '--executor', 'slurm'], { ...process.env, PATH: noSbatch });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /icmix: sbatch not found on PATH: .*apt-get install slurm-client.*--executor local/);

  const conf = path.join(noSbatch, 'slurm.conf');
  const real = spawnSync('scontrol', ['show', 'config'], { encoding: 'utf8' }).stdout;
  const host = /^SlurmctldHost\[0\]\s*=\s*(\S+)/m.exec(real)?.[1] ?? 'localhost';
  // A controller address where nothing listens.
  mkdirSync(path.dirname(conf), { recursive: true });
  spawnSync('bash', ['-c', `printf 'ClusterName=nowhere\\nSlurmctldHost=${host.replace(/\(.*/, '')}\\nSlurmctldPort=6999\\nAuthType=auth/munge\\nNodeName=${host.replace(/\(.*/, '')} CPUs=1\\nPartitionName=p Nodes=ALL Default=YES\\n' > ${conf}`]);
  const down = icmix(['study', 'studies/ci.yaml', '--out', out, '--executor', 'slurm'], { ...process.env, SLURM_CONF: conf });
  assert.equal(down.status, 1);
  assert.match(down.stderr, /icmix: no Slurm controller reachable: sinfo says ".*"; start slurmctld .*SLURM_CONF/);

  const part = icmix(['study', 'studies/ci.yaml', '--out', out, '--executor', 'slurm', '--partition', 'no-such-partition']);
  assert.equal(part.status, 1);
  assert.match(part.stderr, /icmix: --partition no-such-partition: no such partition on this cluster \(it has .+\); pass one of those/);

  for (const executor of ['slurm', 'local']) {
    const other = icmix(['study', 'test/study/fixtures/other-study.yaml', '--out', out, '--executor', executor]);
    assert.equal(other.status, 1);
    assert.match(other.stderr, /icmix: .* holds the results of study 'ci' \(from studies\/ci\.yaml\), not of 'other' from test\/study\/fixtures\/other-study\.yaml; pass another --out folder/);
  }
  const cell = icmix(['study', 'test/study/fixtures/other-study.yaml', '--out', out, '--cell', '0']);
  assert.equal(cell.status, 1);
  assert.match(cell.stderr, /holds the results of study 'ci'/);
  assert.deepEqual(snapshot(out), before);
  rmSync(noSbatch, { recursive: true, force: true });
});

test('a cell that fails in its Slurm task: exit 1 naming the cell and its log; the report still comes', () => {
  const out = path.join(e2eOut, 'fail');
  const r = icmix(['study', 'test/study/fixtures/slurm-fail.yaml', '--out', out, '--executor', 'slurm']);
  assert.equal(r.status, 1, r.stderr);
  const [, arrayJob] = /submitted array job (\d+) \(2 tasks\)/.exec(r.stderr)!;
  const log = path.join(out, 'slurm', 'logs', `${arrayJob}_0.out`);
  assert.ok(r.stderr.includes(`icmix: cell fashion-mnist_dc100000_mixup_seed0 failed: stage train failed: perClass 100000 is more than the`), r.stderr);
  assert.ok(r.stderr.includes(`; log ${log}`), r.stderr);
  assert.match(r.stderr, /1 cell\(s\) did not finish; run the same command again to resubmit them/);
  assert.match(readFileSync(log, 'utf8'), /perClass 100000/);
  const report = JSON.parse(readFileSync(path.join(out, 'study-report.json'), 'utf8'));
  assert.equal(report.cells.finished, 1);
  assert.deepEqual(report.cells.failed.map((f: { id: string }) => f.id), ['fashion-mnist_dc100000_mixup_seed0']);
});

test('a Slurm task cancelled mid-training: rerunning the command resubmits only that cell, which resumes', async () => {
  const out = path.join(e2eOut, 'slow');
  const args = ['study', 'test/study/fixtures/slurm-slow.yaml', '--out', out, '--executor', 'slurm'];
  const first = icmix([...args, '--no-wait']);
  assert.equal(first.status, 0, first.stderr);
  const [, arrayJob, reportJob] = /array job (\d+) \(2 cells\), report job (\d+)/.exec(first.stdout)!;
  const victim = path.join(out, 'runs', 'fashion-mnist_balanced_icm_seed2');
  const state = path.join(victim, 'checkpoint', 'state.json');
  await waitFor('a training checkpoint of the icm cell', () => existsSync(state));
  const epochAtCancel = JSON.parse(readFileSync(state, 'utf8')).epoch as number;
  assert.ok(epochAtCancel < 60, `the cell finished training before it could be cancelled (epoch ${epochAtCancel})`);
  spawnSync('scancel', [`${arrayJob}_1`]);
  await waitFor('the jobs to leave the queue', () => queued([arrayJob, reportJob]).length === 0);
  assert.equal(existsSync(path.join(victim, 'report.json')), false);
  assert.ok(existsSync(path.join(out, 'runs', 'fashion-mnist_balanced_mixup_seed2', 'report.json')));

  const rerun = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  rerun.stdout.on('data', (d) => (stdout += d));
  rerun.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise((r) => rerun.on('exit', r));
  assert.equal(code, 0, stderr);
  assert.match(stderr, /1 of 2 cells finished .*; submitting 1/);
  const [, second] = /submitted array job (\d+) \(1 task\)/.exec(stderr)!;
  assert.deepEqual(jobCompTasks(second), [0]);
  assert.match(readFileSync(path.join(out, 'slurm', 'array.sbatch'), 'utf8'), /^CELLS=\(1\)$/m);
  // Resumed, not restarted: one log line per epoch 1..60, the epochs before the cancel kept.
  const epochs = readFileSync(path.join(victim, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).epoch);
  assert.deepEqual(epochs, Array.from({ length: 60 }, (_, i) => i + 1));
  const report = JSON.parse(readFileSync(path.join(out, 'study-report.json'), 'utf8'));
  assert.equal(report.cells.finished, 2);
  assert.deepEqual(report.provenance.cellLogs['fashion-mnist_balanced_icm_seed2'], [`slurm/logs/${arrayJob}_1.out`, `slurm/logs/${second}_0.out`]);
  assert.match(stdout, /study report:/);
  rmSync(e2eOut, { recursive: true, force: true });
});
