import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A 2-cell study small enough for a test; 20 short epochs give a window to interrupt training. */
const STUDY = {
  name: 'resume-test',
  datasets: ['fashion-mnist'],
  protocols: [{ kind: 'balanced', trainSubset: 256 }],
  methods: ['mixup', 'icm'],
  seeds: [3],
  model: 'mlp',
  epochs: 20,
  batchSize: 32,
  train: { valSize: 128, maxStepsPerEpoch: 2, backend: 'wasm' },
  runtimes: ['cpu'],
  suites: ['id', 'ood'],
  eval: { ood: ['gaussian-noise'], oodSamples: 100, limit: 300 },
};
const CELLS = ['fashion-mnist_balanced_mixup_seed3', 'fashion-mnist_balanced_icm_seed3'];

function startStudy(file: string, out: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'study', file, '--out', out], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

const run = (...p: string[]) => path.join(...p);
const readJson = (f: string) => JSON.parse(readFileSync(f, 'utf8'));

test('Ctrl-C mid-study, then rerun: finished cells are kept, the training cell resumes, results equal an uninterrupted study', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'icmix-study-resume-'));
  const file = path.join(dir, 'study.json');
  writeFileSync(file, JSON.stringify(STUDY));
  const out = path.join(dir, 'interrupted');
  const cellDir = (i: number, o = out) => run(o, 'runs', CELLS[i]);

  // 1. Start, wait until cell 0 is finished and cell 1 has a training checkpoint, then SIGINT.
  const first = startStudy(file, out);
  let epochAtInterrupt = -1;
  for (;;) {
    const state = run(cellDir(1), 'checkpoint', 'state.json');
    if (existsSync(run(cellDir(0), 'report.json')) && existsSync(state)) {
      epochAtInterrupt = readJson(state).epoch;
      first.child.kill('SIGINT');
      break;
    }
    const code = await Promise.race([first.exited, new Promise((r) => setTimeout(() => r('poll'), 20))]);
    if (code !== 'poll') assert.fail(`the study ended (code ${code}) before it could be interrupted:\n${first.output()}`);
  }
  assert.equal(await first.exited, 130, first.output());
  assert.match(first.output(), /study interrupted: 1 of 2 cells finished; run the same command again to continue/);
  assert.ok(epochAtInterrupt >= 1 && epochAtInterrupt < STUDY.epochs, `interrupted at epoch ${epochAtInterrupt}`);
  assert.ok(!existsSync(run(cellDir(1), 'report.json')), 'the interrupted cell is not finished');
  assert.ok(!existsSync(run(cellDir(1), 'error.txt')), 'an interrupt is not a failure');
  assert.ok(!existsSync(run(out, 'study-report.json')), 'no report from an interrupted study');
  const reportMtime = statSync(run(cellDir(0), 'report.json')).mtimeMs;
  const stages0 = readFileSync(run(cellDir(0), 'stages.json'), 'utf8');
  const createdAt1 = readJson(run(cellDir(1), 'manifest.json')).createdAt;

  // 2. Rerun the same command to the end.
  const second = startStudy(file, out);
  assert.equal(await second.exited, 0, second.output());
  assert.match(second.output(), /1 of 2 cells already finished/);
  assert.equal(statSync(run(cellDir(0), 'report.json')).mtimeMs, reportMtime, 'a finished cell was redone');
  assert.equal(readFileSync(run(cellDir(0), 'stages.json'), 'utf8'), stages0);
  // The interrupted cell continued its run (a fresh start would have a new manifest time).
  assert.equal(readJson(run(cellDir(1), 'manifest.json')).createdAt, createdAt1);
  const log1 = readFileSync(run(cellDir(1), 'log.jsonl'), 'utf8').trim().split('\n');
  assert.deepEqual(log1.map((l) => JSON.parse(l).epoch), Array.from({ length: STUDY.epochs }, (_, i) => i + 1));

  // 3. The same study uninterrupted gives identical numbers.
  const ref = path.join(dir, 'reference');
  const third = startStudy(file, ref);
  assert.equal(await third.exited, 0, third.output());
  const a = readJson(run(out, 'study-report.json'));
  const b = readJson(run(ref, 'study-report.json'));
  assert.equal(Object.keys(a.cellMetrics).length, 2);
  assert.deepEqual(a.cellMetrics, b.cellMetrics);
  assert.deepEqual(a.tables, b.tables);
  assert.deepEqual(a.comparisons, b.comparisons);
  for (let i = 0; i < 2; i++) {
    const ra = readJson(run(cellDir(i), 'report.json'));
    const rb = readJson(run(cellDir(i, ref), 'report.json'));
    assert.deepEqual(ra.runtimes[0].suites, rb.runtimes[0].suites, CELLS[i]);
    assert.deepEqual(ra.calibration, rb.calibration, CELLS[i]);
  }
  // Both invocations are on record for the interrupted folder.
  assert.deepEqual(a.provenance.invocations.map((x: { interrupted: boolean }) => x.interrupted), [true, false]);
  rmSync(dir, { recursive: true, force: true });
});

test('a cell is the same cell whatever order its options are written in (canonical identity)', async () => {
  const { canonicalJson } = await import('../../src/util/canonical-json.js');
  assert.equal(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 0 }], c: null } }), canonicalJson({ a: { c: null, d: [2, { x: 0, y: 1 }] }, b: 1 }));
  assert.notEqual(canonicalJson({ a: [1, 2] }), canonicalJson({ a: [2, 1] }));
});
