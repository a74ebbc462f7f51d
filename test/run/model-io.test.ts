import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildModel, listModels } from '../../src/train/models/index.js';
import { loadLayersModel, saveLayersModel } from '../../src/run/model-io.js';

await tf.setBackend('cpu');

test('every zoo model builds with the requested input and class count, and resnet20 has the published size', () => {
  for (const { name } of listModels()) {
    const m = buildModel(name, [28, 28, 1], 7, { seed: 1 });
    assert.deepEqual(m.inputs[0].shape, [null, 28, 28, 1], name);
    assert.deepEqual(m.outputs[0].shape, [null, 7], name);
    m.dispose();
  }
  // ResNet-20 for CIFAR has ~0.27M parameters (He et al. 2016, table 6); 1x1 projections add ~3k.
  const r = buildModel('resnet20', [32, 32, 3], 10, {});
  const params = r.trainableWeights.reduce((n, w) => n + w.shape.reduce((a, b) => a * (b ?? 1), 1), 0);
  assert.ok(params > 270_000 && params < 280_000, `resnet20 has ${params} trainable parameters`);
  r.dispose();
});

test('the same seed gives the same initial weights; another seed does not', () => {
  const w = (seed: number) => {
    const m = buildModel('cnn', [12, 12, 1], 3, { seed });
    const v = Array.from(m.getWeights()[0].dataSync());
    m.dispose();
    return v;
  };
  assert.deepEqual(w(5), w(5));
  assert.notDeepEqual(w(5), w(6));
});

test('save then load restores the model exactly, in the standard tfjs layers format', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'icmix-io-'));
  const m = buildModel('resnet8', [10, 10, 3], 4, { seed: 3 });
  const x = tf.randomNormal([2, 10, 10, 3], 0, 1, 'float32', 9);
  const before = (m.predict(x) as tf.Tensor).dataSync();
  await saveLayersModel(m, dir);
  const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
  assert.equal(json.format, 'layers-model');
  assert.deepEqual(json.weightsManifest[0].paths, ['./weights.bin']);
  const loaded = await loadLayersModel(dir);
  const after = (loaded.predict(x) as tf.Tensor).dataSync();
  assert.deepEqual(Array.from(after), Array.from(before));
});

test('a truncated weights file is refused with a message naming the folder', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'icmix-io-'));
  const m = buildModel('mlp', [4, 4, 1], 2, { seed: 0 });
  await saveLayersModel(m, dir);
  const bin = readFileSync(path.join(dir, 'weights.bin'));
  writeFileSync(path.join(dir, 'weights.bin'), bin.subarray(0, bin.length - 8));
  await assert.rejects(loadLayersModel(dir), (e: Error) => e.message.includes(dir) && /truncated/.test(e.message));
});
