import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { spawnSync } from 'node:child_process';
import { formatDoctorReport, PROBES, runDoctor, type DoctorReport } from '../../src/doctor/index.js';
import { cudaUnavailableReason } from '../../src/infer/runtimes/index.js';
import { listAdapters } from '../../src/backend/webgpu/adapters.js';

const NAMES = ['system/node', 'system/npm', 'gpu/webgpu adapters', 'training engine/tensorflow', 'training engine/wasm', 'training engine/webgpu', 'training engine/cpu', 'onnxruntime/cpu', 'onnxruntime/cuda', 'onnxruntime/web', 'onnxruntime/webgpu', 'dataset/fashion-mnist', 'dataset/mnist', 'browser/chromium'];

function checkShape(r: DoctorReport): void {
  assert.equal(typeof r.icmixVersion, 'string');
  assert.equal(r.platform, `${process.platform} ${process.arch}`);
  assert.deepEqual(r.checks.map((c) => `${c.group}/${c.name}`), NAMES);
  for (const c of r.checks) {
    assert.deepEqual(Object.keys(c).sort(), c.ok ? ['detail', 'group', 'name', 'ok'] : ['detail', 'fix', 'group', 'name', 'ok'], `${c.group}/${c.name}`);
    assert.equal(typeof c.ok, 'boolean');
    assert.ok(c.detail.length > 0, `${c.name} says what it found`);
    if (!c.ok) assert.ok(c.fix && c.fix.length > 20, `${c.group}/${c.name} carries a fix`);
  }
}

test('doctor probes every capability for real; each missing one carries a fix (the GPU ones are missing here)', async () => {
  const r = await runDoctor();
  checkShape(r);
  const by = (g: string, n: string) => r.checks.find((c) => c.group === g && c.name === n)!;
  assert.equal(by('system', 'node').ok, true);
  assert.equal(by('system', 'node').detail, process.version);
  assert.equal(by('onnxruntime', 'cpu').ok, true);
  assert.equal(by('onnxruntime', 'web').ok, true);
  assert.equal(by('training engine', 'cpu').ok, true);
  assert.match(by('training engine', 'wasm').detail, /\d+ thread\(s\)/);
  // Training's worker default: one per core on wasm, in-process on cpu.
  assert.match(by('training engine', 'wasm').detail, new RegExp(`trains with ${availableParallelism()} workers? by default`));
  assert.match(by('training engine', 'cpu').detail, /trains with 1 worker by default/);
  // CUDA: missing exactly when its provider library is; then the fix is how to install it.
  const cuda = by('onnxruntime', 'cuda');
  assert.equal(cuda.ok, cudaUnavailableReason() === undefined);
  if (!cuda.ok) assert.match(cuda.fix!, /ONNXRUNTIME_NODE_INSTALL=cuda12/);
  // WebGPU: the adapters Dawn lists, each with its vendor and kind; the engine and the runtime
  // work exactly where one exists, and a software-only machine is told so plainly.
  const adapters = await listAdapters();
  const gpu = by('gpu', 'webgpu adapters');
  assert.equal(gpu.ok, adapters.length > 0);
  for (const a of adapters) assert.ok(gpu.detail.includes(`${a.index}: ${a.name} (${a.vendor}, ${a.backend}, ${a.software ? 'software' : 'hardware'})`), gpu.detail);
  if (adapters.length && adapters.every((a) => a.software)) assert.match(gpu.detail, /Note: the only WebGPU adapters? (is a software one|are software ones) .*: fine for tests, far too slow to train/);
  if (!gpu.ok) assert.match(gpu.fix!, /scripts\/setup\.sh/);
  assert.equal(by('onnxruntime', 'webgpu').ok, adapters.length > 0);
  assert.equal(by('training engine', 'webgpu').ok, adapters.length > 0);
  if (adapters.length) assert.match(by('training engine', 'webgpu').detail, /adapter .*adapterKind (software|hardware)/);
  const text = formatDoctorReport(r);
  for (const c of r.checks.filter((x) => !x.ok)) assert.ok(text.includes(`${c.group} ${c.name}: ${c.fix}`), `the table lists the fix for ${c.name}`);
});

test('doctor: a probe that throws is a missing row with the probe\'s fix, and the rest still run', async () => {
  const r = await runDoctor({
    probes: [
      { group: 'g', name: 'broken', fix: 'do the thing', run: async () => { throw new Error('boom\nnative tail'); } },
      { group: 'g', name: 'fine', fix: 'unused', run: async () => ({ ok: true, detail: 'here' }) },
      { group: 'g', name: 'absent', fix: 'default fix', run: async () => ({ ok: false, detail: 'not found' }) },
    ],
  });
  assert.deepEqual(r.checks, [
    { group: 'g', name: 'broken', ok: false, detail: 'boom', fix: 'do the thing' },
    { group: 'g', name: 'fine', ok: true, detail: 'here' },
    { group: 'g', name: 'absent', ok: false, detail: 'not found', fix: 'default fix' },
  ]);
  assert.equal(PROBES.length, NAMES.length);
});

test('icmix doctor exits 0 with a table, and --json prints the report', () => {
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'doctor', ...args], { encoding: 'utf8', timeout: 120_000 });
  const j = run(['--json']);
  assert.equal(j.status, 0, j.stderr);
  checkShape(JSON.parse(j.stdout) as DoctorReport);
  const t = run([]);
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /^group +check +status +detail$/m);
  assert.match(t.stdout, /^onnxruntime +cpu +ok +onnxruntime-node/m);
});
