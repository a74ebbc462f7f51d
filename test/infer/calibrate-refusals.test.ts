/**
 * `icmix calibrate MODEL.onnx` refuses what it cannot calibrate before loading any data, with the
 * file, what is wrong and what to do.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { calibrateModel } from '../../src/infer/calibrate-model.js';
import { decodeModel, encodeModel } from '../../src/onnx/index.js';
import { tinyOnnx } from './runtimes/tiny-model.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'icmix-calib-refuse-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('a model with two outputs (logits and probabilities) is refused up front, naming its outputs', async () => {
  const m = decodeModel(tinyOnnx({ shape: [4, 4, 1], classes: 3, probabilities: true, noMetadata: true }));
  const g = m.graph!;
  g.node!.push({ opType: 'Identity', input: ['logits'], output: ['logits_out'] });
  g.output!.push({ ...g.output![0], name: 'logits_out' });
  const file = path.join(root, 'two.onnx');
  writeFileSync(file, encodeModel(m));
  // The dataset does not exist: the refusal must come before any data is read.
  await assert.rejects(
    calibrateModel(file, { dataset: `folder:${path.join(root, 'none')}`, overrides: { normalize: false } }),
    (e: Error) => /two\.onnx has 2 outputs \(y, logits_out\).*reads only the first.*one output/s.test(e.message),
  );
});

test('a calibrated copy whose source model has changed since is refused; moved away from it, it is read as it is', async () => {
  const { evaluate } = await import('../../src/infer/evaluate.js');
  const { loadModelInfo } = await import('../../src/infer/model-overrides.js');
  const { writeClasses } = await import('../data/folder-fixtures.js');
  const { copyFileSync, mkdirSync } = await import('node:fs');
  const data = path.join(root, 'data');
  writeClasses(data, ['a', 'b', 'c'], 8);
  const model = path.join(root, 'src.onnx');
  const spec = { shape: [8, 8, 1] as [number, number, number], classes: 3, noMetadata: true };
  writeFileSync(model, tinyOnnx({ ...spec, seed: 1 }));
  const r = await calibrateModel(model, { dataset: `folder:${data}`, valSize: 6, overrides: { normalize: false } });
  await loadModelInfo(r.path); // fresh: fine
  writeFileSync(model, tinyOnnx({ ...spec, seed: 2 })); // retrained in place
  const stale = /src\.calibrated\.onnx was calibrated from .*src\.onnx, which has changed since .*calibrate it again/;
  await assert.rejects(loadModelInfo(r.path), stale);
  await assert.rejects(evaluate({ model: r.path, suites: ['id'] }), stale);
  const away = path.join(root, 'elsewhere');
  mkdirSync(away);
  copyFileSync(r.path, path.join(away, 'src.calibrated.onnx'));
  await loadModelInfo(path.join(away, 'src.calibrated.onnx'));
});

test('a bad --out is refused before any data is read: not .onnx, a folder, or the model itself', async () => {
  const file = path.join(root, 'plain.onnx');
  writeFileSync(file, tinyOnnx({ shape: [4, 4, 1], classes: 3, noMetadata: true }));
  const dataset = `folder:${path.join(root, 'none')}`;
  await assert.rejects(calibrateModel(file, { dataset, out: path.join(root, 'out.json'), overrides: { normalize: false } }), /--out .*out\.json: the calibrated copy is an ONNX model; name it \.onnx/);
  await assert.rejects(calibrateModel(file, { dataset, out: root, overrides: { normalize: false } }), /--out .* is a folder; name the calibrated \.onnx file/);
  await assert.rejects(calibrateModel(file, { dataset, out: file, overrides: { normalize: false } }), /is the model itself/);
});

test('a probabilities model whose probabilities underflow to 0 is calibrated with a note that its log was floored', async () => {
  const { writeClasses } = await import('../data/folder-fixtures.js');
  const data = path.join(root, 'data-underflow');
  writeClasses(data, ['a', 'b', 'c'], 8);
  const file = path.join(root, 'sharp.onnx');
  // Logits divided by 0.001 before the softmax: every non-top probability is 0 in float32.
  writeFileSync(file, tinyOnnx({ shape: [8, 8, 1], classes: 3, probabilities: true, temperature: 0.001, noMetadata: true }));
  const messages: string[] = [];
  await calibrateModel(file, { dataset: `folder:${data}`, valSize: 6, overrides: { normalize: false }, onProgress: (e) => e.message && messages.push(e.message) });
  assert.ok(messages.some((m) => /\d+(\.\d+)?% of the validation probabilities are 0 .*floored.*calibrate the logits/.test(m)), messages.join('\n'));
});

test('validation logits that want T = ∞ (true class below average) are calibrated to near-uniform with a warning naming the likely causes', async () => {
  const { writeCalibratedModel } = await import('../../src/infer/calibrate.js');
  const { referenceLogits, tinyWeights, randomImages } = await import('./runtimes/tiny-model.js');
  const spec = { shape: [4, 4, 1] as [number, number, number], classes: 2, noMetadata: true };
  const file = path.join(root, 'anti.onnx');
  writeFileSync(file, tinyOnnx(spec));
  const n = 4;
  const images = randomImages(n, spec.shape);
  const testLogits = Float32Array.from(referenceLogits(images, n, spec, tinyWeights(spec)));
  const messages: string[] = [];
  const scratch = mkdtempSync(path.join(root, 'scratch-'));
  const r = await writeCalibratedModel({
    source: file,
    out: path.join(root, 'anti.calibrated.onnx'),
    scratch,
    // Every validation label is the class with the lower logit.
    val: { logits: new Float32Array([3, 0, 0, 3, 3, 0]), labels: new Int32Array([1, 0, 1]) },
    test: { images, logits: testLogits, labels: new Int32Array(n) },
    numClasses: 2,
    overrides: { normalize: false },
    opts: {},
    log: (m) => messages.push(m),
  });
  assert.ok(r.calibration.temperature > 1e5);
  assert.ok(messages.some((m) => /validation NLL still falls at T = 2\.00e\+5.*below the average class.*near-uniform.*--input-layout, --mean\/--std, --input-range/.test(m)), messages.join('\n'));
});
