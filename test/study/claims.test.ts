import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { claimHolder, holderLiveness, isClaim, tryClaim, type ClaimRecord } from '../../src/study/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function writeClaim(out: string, cell: string, r: Partial<ClaimRecord>): void {
  mkdirSync(path.join(out, 'claims'), { recursive: true });
  const now = new Date().toISOString();
  writeFileSync(path.join(out, 'claims', `${cell}.json`), JSON.stringify({ host: hostname(), pid: process.pid, startedAt: now, heartbeatAt: now, token: 'other', ...r }));
}

test('claims: one winner among concurrent claimers; release frees the cell; a live holder is reported', async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'icmix-claim-'));
  const results = await Promise.all(Array.from({ length: 8 }, () => tryClaim(out, 'c')));
  const won = results.filter(isClaim);
  assert.equal(won.length, 1);
  for (const r of results) if (!isClaim(r)) assert.equal(r.live, true);
  const again = await tryClaim(out, 'c');
  assert.equal(isClaim(again), false);
  await won[0].release();
  assert.equal(claimHolder(out, 'c'), undefined);
  const next = await tryClaim(out, 'c');
  assert.ok(isClaim(next));
  await next.release();
  rmSync(out, { recursive: true, force: true });
});

test('claims: same host, dead pid -> taken over; other host -> taken over only once the heartbeat is older than the timeout', async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'icmix-claim-'));
  // A pid that is not alive: a child that has exited.
  const child = spawn(process.execPath, ['-e', '0']);
  const deadPid = child.pid!;
  await new Promise((r) => child.on('exit', r));
  writeClaim(out, 'dead', { pid: deadPid });
  assert.match(claimHolder(out, 'dead')!.why, /is gone from this host/);
  const taken = await tryClaim(out, 'dead');
  assert.ok(isClaim(taken));
  assert.equal(JSON.parse(readFileSync(path.join(out, 'claims', 'dead.json'), 'utf8')).pid, process.pid);
  await taken.release();

  const old = new Date(Date.now() - 400_000).toISOString();
  writeClaim(out, 'fresh', { host: 'elsewhere', pid: 1 });
  writeClaim(out, 'stale', { host: 'elsewhere', pid: 1, heartbeatAt: old });
  assert.equal(isClaim(await tryClaim(out, 'fresh')), false);
  const stale = await tryClaim(out, 'stale');
  assert.ok(isClaim(stale));
  await stale.release();
  // The timeout is a parameter: 100 s makes a 400 s old heartbeat stale, 1000 s does not.
  const rec = { host: 'elsewhere', pid: 1, startedAt: old, heartbeatAt: old, token: 't' };
  assert.equal(holderLiveness(rec, 100).live, false);
  assert.equal(holderLiveness(rec, 1000).live, true);
  rmSync(out, { recursive: true, force: true });
});

test('a holder never removes a claim that was taken over from it', async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'icmix-claim-'));
  const mine = await tryClaim(out, 'c');
  assert.ok(isClaim(mine));
  writeClaim(out, 'c', { token: 'someone-else' });
  await mine.release();
  assert.equal(claimHolder(out, 'c')!.record.token, 'someone-else');
  rmSync(out, { recursive: true, force: true });
});

/** Three cells, tiny: a few seconds each. */
const STUDY = {
  name: 'claims-test',
  datasets: ['fashion-mnist'],
  protocols: [{ kind: 'balanced', trainSubset: 256 }],
  methods: ['mixup', 'icm', 'ce'],
  seeds: [1],
  model: 'mlp',
  epochs: 2,
  batchSize: 32,
  train: { valSize: 128, maxStepsPerEpoch: 2, backend: 'wasm' },
  runtimes: ['cpu'],
  suites: ['id'],
  eval: { limit: 200 },
};

function study(file: string, out: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'study', file, '--out', out], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

test('three concurrent `icmix study` on one --out train each cell exactly once and give the report one runner gives', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'icmix-claims-study-'));
  const file = path.join(dir, 'study.json');
  writeFileSync(file, JSON.stringify(STUDY));
  const shared = path.join(dir, 'shared');
  const runs = await Promise.all([study(file, shared), study(file, shared), study(file, shared)]);
  for (const r of runs) assert.equal(r.code, 0, r.output);
  const single = await study(file, path.join(dir, 'single'));
  assert.equal(single.code, 0, single.output);

  const cells = readdirSync(path.join(shared, 'runs')).sort();
  assert.equal(cells.length, 3);
  for (const c of cells) {
    // One training: one log line per epoch, no duplicates.
    const epochs = readFileSync(path.join(shared, 'runs', c, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).epoch);
    assert.deepEqual(epochs, [1, 2], `${c}: ${epochs}`);
  }
  // Across the three invocations, every cell was run by exactly one of them.
  const inv = readFileSync(path.join(shared, 'invocations.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(inv.length, 3);
  assert.equal(inv.reduce((s, i) => s + i.ran, 0), 3);
  assert.deepEqual(readdirSync(path.join(shared, 'claims')), []);
  const a = JSON.parse(readFileSync(path.join(shared, 'study-report.json'), 'utf8'));
  const b = JSON.parse(readFileSync(path.join(dir, 'single', 'study-report.json'), 'utf8'));
  assert.equal(a.cells.finished, 3);
  assert.deepEqual(a.cellMetrics, b.cellMetrics);
  assert.deepEqual(a.tables, b.tables);
  assert.deepEqual(a.comparisons, b.comparisons);
  rmSync(dir, { recursive: true, force: true });
});
