/**
 * exportRun on a run folder (manifest + tfjs model as `icmix train` writes them): metadata from
 * the manifest, verification on random and real test images, atomic write; and the `icmix
 * export` / `icmix inspect` commands end to end.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { exportOnnx, exportRun, inspectOnnx, readOnnxMetadata, verifyOnnx } from '../../src/export/index.js';
import { saveLayersModel } from '../../src/run/model-io.js';
import { buildModel } from '../../src/train/models/index.js';
import { META } from '../../src/types.js';
import { RUN_FILES, type RunManifest } from '../../src/run/index.js';
import { ICMIX_VERSION } from '../../src/version.js';
import { cpuBackend, randomizeWeights, runChecker } from './helpers.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const CLASSES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const NORM = { mean: [0.13], std: [0.31] };

async function makeRun(dataset: string): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'icmix-export-run-'));
  const model = buildModel('cnn', [28, 28, 1], 10, { seed: 3, width: 0.25 });
  randomizeWeights(model, 4);
  await saveLayersModel(model, path.join(dir, RUN_FILES.model));
  const manifest: RunManifest = {
    icmixVersion: ICMIX_VERSION,
    createdAt: new Date(0).toISOString(),
    config: { method: 'icm', model: 'cnn' },
    dataset: { name: dataset, protocol: {}, trainSize: 100, valSize: 10, testSize: 10, classCounts: Array(10).fill(10) },
    classNames: CLASSES,
    inputShape: [28, 28, 1],
    normalization: NORM,
    backend: 'cpu',
    versions: {},
  };
  writeFileSync(path.join(dir, RUN_FILES.manifest), JSON.stringify(manifest));
  return dir;
}

before(cpuBackend);

test('exportRun writes model.onnx with the run metadata, verified on random and real images', async () => {
  const dir = await makeRun('mnist');
  const logs: string[] = [];
  const res = await exportRun(dir, { verifySamples: 4, realSamples: 6, log: (l) => logs.push(l) });
  assert.equal(res.path, path.join(dir, RUN_FILES.onnx));
  const bytes = readFileSync(res.path);
  assert.equal(bytes.length, res.bytes);
  const v = res.verification!;
  assert.ok(v.passed && v.maxAbsDiff <= 1e-4, JSON.stringify(v));
  assert.deepEqual(v.sets.map((s) => [s.name, s.samples]), [['random', 4], ['real', 6]]);
  assert.equal(v.top1Agreement, 1);
  const meta = readOnnxMetadata(bytes);
  assert.deepEqual(JSON.parse(meta[META.classNames]), CLASSES);
  assert.deepEqual(JSON.parse(meta[META.normalization]), NORM);
  assert.deepEqual(JSON.parse(meta[META.inputShape]), [28, 28, 1]);
  assert.equal(meta[META.method], 'icm');
  assert.equal(meta[META.dataset], 'mnist');
  assert.equal(meta[META.version], ICMIX_VERSION);
  assert.equal(meta[META.inputLayout], 'NHWC');
  assert.equal(meta[META.normalizationBaked], 'false');
  assert.ok(logs.some((l) => l.includes('6 real')));
  runChecker([res.path]);
});

test('exportRun with --out, baked normalisation, NCHW and a calibrated probability head', async () => {
  const dir = await makeRun('no-such-dataset');
  const out = path.join(dir, 'deploy', 'calibrated.onnx');
  const logs: string[] = [];
  const res = await exportRun(dir, { out, bakeNormalization: true, inputLayout: 'nchw', probabilities: true, temperature: 1.8, opset: 15, verifySamples: 4, log: (l) => logs.push(l) });
  assert.equal(res.path, out);
  assert.ok(res.verification!.passed);
  // The unknown dataset only costs the real-image comparison.
  assert.deepEqual(res.verification!.sets.map((s) => s.name), ['random']);
  assert.ok(logs.some((l) => /no real images/.test(l)));
  const s = inspectOnnx(readFileSync(out));
  assert.deepEqual(s.inputs[0].dims, ['batch', 1, 28, 28]);
  assert.equal(s.outputs[0].name, 'probabilities');
  assert.equal(s.metadata[META.temperature], '1.8');
  assert.equal(s.metadata[META.normalizationBaked], 'true');
  assert.equal(s.irVersion, 8);
  runChecker([out]);
});

test('verification catches a graph that does not match the model', async () => {
  const a = buildModel('mlp', [6, 6, 1], 3, { seed: 1 });
  const b = buildModel('mlp', [6, 6, 1], 3, { seed: 1 });
  randomizeWeights(a, 1);
  randomizeWeights(b, 2);
  const v = await verifyOnnx(a, exportOnnx(b), { samples: 8 });
  assert.equal(v.passed, false);
  assert.ok(v.maxAbsDiff > 1e-2);
  assert.ok(v.top1Agreement < 1);
});

test('exportRun on a folder that is not a run fails with a clear message', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'icmix-not-a-run-'));
  await assert.rejects(exportRun(dir), /manifest\.json is missing/);
});

test('`icmix export` and `icmix inspect` end to end', () => {
  const dirP = makeRun('mnist');
  return dirP.then((dir) => {
    const cli = (args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args], { encoding: 'utf8', cwd: ROOT });
    const out = path.join(dir, 'm.onnx');
    const e = cli(['export', dir, '--out', out, '--samples', '3', '--real-samples', '2', '--probabilities', '--temperature', '2', '--opset', '14']);
    assert.equal(e.status, 0, e.stderr);
    assert.match(e.stdout, /wrote .*m\.onnx/);
    assert.match(e.stdout, /verification \(probabilities, onnxruntime-node vs tfjs\): passed/);
    assert.match(e.stdout, /random\s+3 inputs/);
    assert.match(e.stdout, /real\s+2 inputs/);
    assert.ok(existsSync(out));

    const i = cli(['inspect', out]);
    assert.equal(i.status, 0, i.stderr);
    assert.match(i.stdout, /IR version\s+7/);
    assert.match(i.stdout, /opsets\s+ai\.onnx 14/);
    assert.match(i.stdout, /input: float32 \[batch, 28, 28, 1\]/);
    assert.match(i.stdout, /probabilities: float32 \[batch, 10\]/);
    assert.match(i.stdout, /Softmax\s+1/);
    assert.match(i.stdout, /icmix\.class_names\s+\["zero"/);
    const params = inspectOnnx(readFileSync(out)).parameterCount;
    assert.match(i.stdout, new RegExp(`parameters\\s+${params.toLocaleString('en-US')}`));

    const bad = cli(['export', dir, '--opset', '12', '--no-verify']);
    // A flag outside its range is a usage error (like an unknown --method), from the one validator.
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^icmix: --opset must be an integer: one of 13, 14, 15, 16, 17, got 12$/m);
    const missing = cli(['inspect', path.join(dir, 'nope.onnx')]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /icmix: cannot read .*nope\.onnx \(ENOENT\)/);
  });
});
