import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { useBackend } from '../../src/backend/select.js';
import { exportRun } from '../../src/export/run.js';
import { loadRunModel } from '../../src/run/folder.js';
import { train } from '../../src/train/trainer.js';
import { enginesHere } from './engines-here.js';
import { relDiff } from './rel-diff.js';

// Whole runs on each installed training engine (cpu, the slow reference, is covered elsewhere):
// seeded repeatability, resume, export verification against the engine's own model, the CI study,
// and a checkpoint carried from one engine to another.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = () => mkdtempSync(path.join(tmpdir(), 'icmix-engine-'));
const engines = (await enginesHere()).filter((e) => e.name !== 'cpu');
const native = engines.find((e) => e.name === 'tensorflow')!;

// A conv net with BatchNorm, a few steps an epoch, one worker (the engine's step in this process).
const base = { dataset: 'mnist', model: 'cnn', method: 'icm', trainSubset: 400, valSize: 100, batchSize: 32, maxStepsPerEpoch: 3, workers: 1, seed: 11 };

async function weightsOf(runDir: string): Promise<Float32Array> {
  const { model } = await loadRunModel(runDir);
  const parts = model.getWeights().map((w) => w.dataSync() as Float32Array);
  model.dispose();
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

// webgpu on lavapipe (CI's software Vulkan) runs the mlp: the cnn's runs cost minutes there,
// and its convs and BatchNorm are checked step by step in engines.test.ts. Its reductions and
// split-K matmuls add partial sums with atomics in whatever order the GPU's threads finish, so
// the same seed gives the same weights to float rounding, not bit for bit (measured: 1e-7).
const runOf = (name: string) => (name === 'webgpu' ? { ...base, model: 'mlp' } : base);
const sameRun = async (name: string, got: Float32Array, want: Float32Array) => {
  if (name !== 'webgpu') return assert.deepEqual(got, want);
  const d = relDiff(got, want);
  assert.ok(d < 1e-5, `webgpu: relative difference ${d} between two runs of one seed`);
};

for (const { name, skip } of engines) {
  test(`${name} engine: the same seed gives the same weights, and --resume gives the uninterrupted run's`, { skip }, async () => {
    const cfg = { ...runOf(name), backend: name, epochs: 2 };
    const a = tmp();
    const b = tmp();
    const c = tmp();
    await train({ ...cfg, out: a }, { quiet: true });
    await train({ ...cfg, out: b }, { quiet: true });
    await sameRun(name, await weightsOf(b), await weightsOf(a));
    await train({ ...cfg, out: c }, { quiet: true, onEpoch: (l) => { if (l.epoch === 1) throw new Error('simulated crash'); } }).catch((e: Error) => assert.equal(e.message, 'simulated crash'));
    await train({ ...cfg, out: c }, { quiet: true, resume: true });
    await sameRun(name, await weightsOf(c), await weightsOf(a));
    const manifest = JSON.parse(readFileSync(path.join(a, 'manifest.json'), 'utf8'));
    assert.equal(manifest.backend, name);
  });

  test(`${name} engine: icmix export verifies the ONNX model against the tfjs model on this engine`, { skip }, async () => {
    const out = tmp();
    await train({ ...runOf(name), backend: name, epochs: 1, out }, { quiet: true });
    await useBackend(name);
    const r = await exportRun(out);
    assert.ok(r.verification?.passed, JSON.stringify(r.verification));
    assert.ok(r.verification!.maxAbsDiff < 1e-3, `max |ORT - tfjs| ${r.verification!.maxAbsDiff}`);
    assert.equal(r.verification!.top1Agreement, 1);
  });

  // The study's stages past training are the engine's export (above) and ONNX Runtime; on
  // lavapipe the study costs over 5 minutes, so webgpu leaves it to the other engines.
  if (name === 'webgpu') continue;
  test(`${name} engine: studies/ci.yaml runs end to end`, { skip }, () => {
    const out = tmp();
    const spec = parse(readFileSync(path.join(root, 'studies', 'ci.yaml'), 'utf8'));
    spec.train.backend = name;
    spec.model = 'cnn';
    const file = path.join(out, 'ci.yaml');
    writeFileSync(file, stringify(spec));
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'study', file, '--out', path.join(out, 'study')], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(readFileSync(path.join(out, 'study', 'study-report.json'), 'utf8'));
    assert.equal(report.cells.finished, 2);
    for (const cell of ['fashion-mnist_balanced_mixup_seed0', 'fashion-mnist_balanced_icm_seed0']) {
      assert.equal(JSON.parse(readFileSync(path.join(out, 'study', 'runs', cell, 'manifest.json'), 'utf8')).backend, name);
    }
  });
}

test('a checkpoint made on wasm resumes on tensorflow and one made on tensorflow on wasm; the manifest records the change', { skip: native.skip }, async () => {
  for (const [first, second] of [['wasm', 'tensorflow'], ['tensorflow', 'wasm']] as const) {
    const whole = tmp();
    const split = tmp();
    // The mlp: a conv net's max pooling turns the engines' 1e-6 differences into a different
    // gradient wherever two values of a window are that close (one window in 400k flipped in a
    // measured cnn step), so runs on two engines drift apart over steps, as on two machines.
    const mlp = { ...base, model: 'mlp' };
    await train({ ...mlp, backend: second, epochs: 2, out: whole }, { quiet: true });
    await train({ ...mlp, backend: first, epochs: 2, out: split }, { quiet: true, onEpoch: (l) => { if (l.epoch === 1) throw new Error('stop'); } }).catch((e: Error) => assert.equal(e.message, 'stop'));
    await train({ ...mlp, backend: second, epochs: 2, out: split }, { quiet: true, resume: true });
    // Epoch 1 ran on another engine (the engines agree to about 1e-6 a step), so close, not equal.
    const d = relDiff(await weightsOf(split), await weightsOf(whole));
    assert.ok(d < 1e-4, `${first} -> ${second}: relative difference ${d}`);
    const manifest = JSON.parse(readFileSync(path.join(split, 'manifest.json'), 'utf8'));
    assert.equal(manifest.backend, second);
    assert.deepEqual(manifest.resumes.at(-1).engine, [first, second]);
  }
});
