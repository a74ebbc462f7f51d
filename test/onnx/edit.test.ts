/**
 * Calibration edits the exported graph: Div by T and Softmax appended to model.onnx, every
 * metadata entry kept. In ONNX Runtime the result is softmax(model.onnx logits / T), and the
 * onnx checker accepts it.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { before, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { exportOnnx } from '../../src/export/index.js';
import { softmax } from '../../src/infer/metrics/index.js';
import { modelInfoFromBytes } from '../../src/infer/model-info.js';
import { appendTemperatureSoftmax, decodeModel, encodeModel, metadataOf } from '../../src/onnx/index.js';
import { META } from '../../src/types.js';
import { cpuBackend, pixels, randomizeWeights, runChecker } from '../export/helpers.js';

before(cpuBackend);

async function run(bytes: Uint8Array, x: Float32Array, dims: number[]): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes);
  try {
    const out = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x, dims) });
    return Float32Array.from(out[s.outputNames[0]].data as Float32Array);
  } finally {
    await s.release();
  }
}

test('appendTemperatureSoftmax: ORT output = softmax(logits / T) within 1e-6, all metadata kept, checker passes', async () => {
  const L = tfl.layers;
  const m = tfl.sequential({ layers: [L.conv2d({ inputShape: [5, 5, 2], filters: 3, kernelSize: 3, activation: 'relu' }), L.flatten(), L.dense({ units: 4 })] });
  randomizeWeights(m, 3);
  const plain = exportOnnx(m, { inputLayout: 'nchw', normalization: { mean: [0.1, 0.2], std: [0.3, 0.4] }, metadata: { custom: 'kept', [META.method]: 'icm' } });
  const T = 1.7;
  const before = metadataOf(decodeModel(plain));
  const edited = appendTemperatureSoftmax(decodeModel(plain), T, { [META.output]: 'probabilities', [META.temperature]: String(T), [META.oodThreshold]: '{"score":"msp","threshold":0.5}' });
  const bytes = encodeModel(edited);
  const after = metadataOf(decodeModel(bytes));
  for (const [k, v] of Object.entries(before)) if (k !== META.output && k !== META.temperature) assert.equal(after[k], v, `metadata ${k} kept`);
  assert.equal(after[META.output], 'probabilities');
  assert.equal(after[META.temperature], '1.7');
  const info = modelInfoFromBytes(bytes, 'calibrated.onnx');
  assert.equal(info.output, 'probabilities');
  assert.equal(info.inputLayout, 'NCHW');
  assert.equal(info.temperature, T);

  const n = 6;
  const x = pixels(n, [2, 5, 5], 9);
  const logits = await run(plain, x, [n, 2, 5, 5]);
  const probs = await run(bytes, x, [n, 2, 5, 5]);
  const want = softmax(logits, 4, T);
  let max = 0;
  for (let i = 0; i < want.length; i++) max = Math.max(max, Math.abs(probs[i] - want[i]));
  assert.ok(max <= 1e-6, `max |p - softmax(z / T)| = ${max}`);
  // Not vacuous: T = 1 would differ.
  const atOne = softmax(logits, 4, 1);
  assert.ok(Math.max(...Array.from(atOne, (v, i) => Math.abs(v - probs[i]))) > 1e-3);

  const dir = mkdtempSync(path.join(tmpdir(), 'icmix-onnx-edit-'));
  const file = path.join(dir, 'calibrated.onnx');
  writeFileSync(file, bytes);
  assert.ok(runChecker([file])[0].ok);
  tf.disposeVariables();
});

test('appendTemperatureSoftmax refuses a bad temperature and leaves its input unchanged', () => {
  const m = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 2 })] });
  const model = decodeModel(exportOnnx(m));
  const nodes = model.graph!.node!.length;
  assert.throws(() => appendTemperatureSoftmax(model, 0), /temperature must be a positive number, got 0/);
  appendTemperatureSoftmax(model, 2);
  assert.equal(model.graph!.node!.length, nodes);
});

test('appendTemperatureSoftmax fromProbabilities: Max, Log, Div, Softmax; ORT = softmax(log p / T) = softmax(z / T), an underflowed 0 stays finite; checker passes', async () => {
  const L = tfl.layers;
  const m = tfl.sequential({ layers: [L.dense({ inputShape: [6], units: 5 })] });
  randomizeWeights(m, 4);
  const logitsBytes = exportOnnx(m);
  // The same graph with a softmax head: what a model made elsewhere outputs.
  const probsBytes = encodeModel(appendTemperatureSoftmax(decodeModel(logitsBytes), 1));
  const T = 2.5;
  const edited = appendTemperatureSoftmax(decodeModel(probsBytes), T, {}, { fromProbabilities: true });
  assert.deepEqual(edited.graph!.node!.slice(-4).map((n) => n.opType), ['Max', 'Log', 'Div', 'Softmax']);
  const bytes = encodeModel(edited);
  const n = 4;
  const x = Float32Array.from({ length: n * 6 }, (_, i) => Math.sin(i) * 3);
  x.set([400, -400, 400, -400, 400, -400], 0); // row 0: logits far apart, so some probabilities underflow to 0
  const z = await run(logitsBytes, x, [n, 6]);
  const p = await run(probsBytes, x, [n, 6]);
  assert.ok(p.subarray(0, 5).some((v) => v === 0), 'row 0 has an underflowed probability');
  const got = await run(bytes, x, [n, 6]);
  assert.ok(got.every(Number.isFinite));
  const want = softmax(z, 5, T);
  // Rows 1..3: exact up to float32 rounding; row 0's floored entries are ~1e-38^(1/T) against 0.
  let max = 0;
  for (let i = 5; i < want.length; i++) max = Math.max(max, Math.abs(got[i] - want[i]));
  assert.ok(max <= 1e-6, `max |p - softmax(z / T)| = ${max}`);
  for (let k = 0; k < 5; k++) assert.ok(Math.abs(got[k] - want[k]) < 1e-6, `row 0 class ${k}: ${got[k]} vs ${want[k]}`);
  const dir = mkdtempSync(path.join(tmpdir(), 'icmix-onnx-edit-'));
  const file = path.join(dir, 'from-probabilities.onnx');
  writeFileSync(file, bytes);
  assert.ok(runChecker([file])[0].ok);
  const old = decodeModel(probsBytes);
  old.opsetImport = [{ domain: '', version: 7 }];
  assert.throws(() => appendTemperatureSoftmax(old, T, {}, { fromProbabilities: true }), /opset 7; taking the log of its probabilities needs opset 8 or later/);
  tf.disposeVariables();
});

test('appendTemperatureSoftmax on a [N, C, 1, 1] output (a conv head without Flatten) flattens first: softmax over the classes, not over a size-1 axis', async () => {
  const tiny = await import('../infer/runtimes/tiny-model.js');
  const m = decodeModel(tiny.tinyOnnx({ shape: [4, 4, 1], classes: 3, noMetadata: true }));
  const g = m.graph!;
  const last = g.node![g.node!.length - 1];
  last.output = ['logits2d'];
  g.initializer!.push({ name: 'to4d', dims: [4], dataType: 7, int64Data: [-1, 3, 1, 1] });
  g.node!.push({ opType: 'Reshape', input: ['logits2d', 'to4d'], output: [g.output![0].name!] });
  g.output![0].type!.tensorType!.shape!.dim = [{ dimParam: 'N' }, { dimValue: 3 }, { dimValue: 1 }, { dimValue: 1 }];
  const plain = encodeModel(m);
  const T = 2.5;
  const bytes = encodeModel(appendTemperatureSoftmax(decodeModel(plain), T));
  const n = 5;
  const x = Float32Array.from({ length: n * 16 }, (_, i) => ((i * 37) % 17) / 17);
  const logits = await run(plain, x, [n, 4, 4, 1]);
  const probs = await run(bytes, x, [n, 4, 4, 1]);
  const want = softmax(logits, 3, T);
  assert.equal(probs.length, want.length);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(probs[i] - want[i]) <= 1e-6, `p[${i}] ${probs[i]} vs ${want[i]}`);
  const out = decodeModel(bytes).graph!.output![0].type!.tensorType!.shape!.dim!;
  assert.deepEqual(out.map((d) => (d.dimValue !== undefined ? Number(d.dimValue) : d.dimParam)), ['N', 3]);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'icmix-onnx-edit-')), 'flat.onnx');
  writeFileSync(file, bytes);
  assert.ok(runChecker([file])[0].ok);
});
