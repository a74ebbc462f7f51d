/**
 * Whole models and export options: functional graphs (ResNet blocks with BN and Add, branches
 * off shared inputs, shared layers, nested models, two inputs), the model zoo, input layout,
 * baked normalisation, probability heads with temperature, opsets 13..17, and the errors for
 * what the exporter cannot convert. Each is checked against tfjs in onnxruntime-node and by
 * Debian's onnx checker.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { decodeModel, exportOnnx, IR_VERSION_FOR_OPSET, readOnnxMetadata } from '../../src/export/index.js';
import { buildModel } from '../../src/train/models/index.js';
import { META } from '../../src/types.js';
import { IcmixError } from '../../src/util/errors.js';
import { checkAllWritten, cpuBackend, exportAndCheck, pixels, randomizeWeights } from './helpers.js';

type ST = tfl.SymbolicTensor;
const L = tfl.layers;

before(cpuBackend);

/** Two ResNet basic blocks (the second with a strided 1x1 projection), written by hand. */
function tinyResNet(seed: number): tfl.LayersModel {
  const x = tfl.input({ shape: [9, 9, 3], name: 'image' });
  const convBn = (t: ST, filters: number, k: number, s: number, relu: boolean) => {
    let y = L.conv2d({ filters, kernelSize: k, strides: s, padding: 'same', useBias: false }).apply(t) as ST;
    y = L.batchNormalization({}).apply(y) as ST;
    return relu ? (L.activation({ activation: 'relu' }).apply(y) as ST) : y;
  };
  let h = convBn(x, 4, 3, 1, true);
  let y = convBn(convBn(h, 4, 3, 1, true), 4, 3, 1, false);
  h = L.activation({ activation: 'relu' }).apply(L.add().apply([y, h])) as ST;
  y = convBn(convBn(h, 8, 3, 2, true), 8, 3, 1, false);
  const proj = convBn(h, 8, 1, 2, false);
  h = L.activation({ activation: 'relu' }).apply(L.add().apply([y, proj])) as ST;
  const out = L.dense({ units: 5 }).apply(L.globalAveragePooling2d({}).apply(h)) as ST;
  const m = tfl.model({ inputs: x, outputs: out });
  randomizeWeights(m, seed);
  return m;
}

describe('functional graphs', () => {
  test('ResNet-like blocks with BN and Add: BN folded, one Transpose at the input', async () => {
    const r = await exportAndCheck('tiny_resnet', tinyResNet(1));
    assert.equal(r.summary.opCounts.BatchNormalization, undefined);
    assert.equal(r.summary.opCounts.Conv, 6);
    assert.equal(r.summary.opCounts.Add, 2);
    assert.equal(r.summary.opCounts.Transpose, 1);
  });
  test('the same model with BN kept gives the same outputs', async () => {
    const r = await exportAndCheck('tiny_resnet_nofold', tinyResNet(1), { foldBatchNorm: false });
    assert.equal(r.summary.opCounts.BatchNormalization, 6);
  });
  test('the model zoo: resnet8, cnn (Flatten after conv) and mlp', async () => {
    for (const name of ['resnet8', 'cnn', 'mlp']) {
      const m = buildModel(name, [12, 12, 3], 6, { seed: 1, width: 0.5 });
      randomizeWeights(m, 2);
      const r = await exportAndCheck(`zoo_${name}`, m, {}, { samples: 4 });
      assert.equal(r.summary.opCounts.BatchNormalization, undefined);
      assert.deepEqual(r.summary.outputs[0].dims, ['batch', 6]);
    }
  });
  test('branches off a shared input, concatenated, with a shared (reused) layer', async () => {
    const x = tfl.input({ shape: [6, 6, 2] });
    const shared = L.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' });
    const a = shared.apply(x) as ST;
    const b = shared.apply(L.conv2d({ filters: 2, kernelSize: 1 }).apply(x) as ST) as ST;
    const c = L.maxPooling2d({ poolSize: 1 }).apply(x) as ST;
    const y = L.concatenate().apply([a, b, c]) as ST;
    const dense = L.dense({ units: 4 });
    const out = L.add().apply([dense.apply(L.globalAveragePooling2d({}).apply(y)) as ST, L.dense({ units: 4 }).apply(L.globalMaxPooling2d({}).apply(y)) as ST]) as ST;
    const m = tfl.model({ inputs: x, outputs: out });
    randomizeWeights(m, 3);
    const r = await exportAndCheck('branches_shared', m);
    // The shared conv is applied twice but its weights are stored once.
    assert.equal(r.summary.initializerCount, new Set(decodeModel(r.bytes).graph!.initializer!.map((t) => t.name)).size);
    assert.equal(r.summary.opCounts.Conv, 3);
    assert.equal(r.summary.parameterCount, m.countParams());
  });
  test('a sequential model nested inside a functional one', async () => {
    const inner = tfl.sequential({ layers: [L.conv2d({ inputShape: [6, 6, 4], filters: 4, kernelSize: 3, padding: 'same' }), L.batchNormalization({}), L.activation({ activation: 'relu' })] });
    const x = tfl.input({ shape: [6, 6, 2] });
    const h = L.conv2d({ filters: 4, kernelSize: 1 }).apply(x) as ST;
    const y = L.add().apply([inner.apply(h) as ST, h]) as ST;
    const m = tfl.model({ inputs: x, outputs: L.dense({ units: 3 }).apply(L.flatten().apply(y)) as ST });
    randomizeWeights(m, 4);
    await exportAndCheck('nested', m);
  });
  test('two inputs (image and vector) with named graph inputs', async () => {
    const img = tfl.input({ shape: [5, 5, 2], name: 'img' });
    const vec = tfl.input({ shape: [3], name: 'vec' });
    const a = L.globalAveragePooling2d({}).apply(L.conv2d({ filters: 4, kernelSize: 3 }).apply(img)) as ST;
    const m = tfl.model({ inputs: [img, vec], outputs: L.dense({ units: 3 }).apply(L.concatenate().apply([a, vec])) as ST });
    randomizeWeights(m, 5);
    const r = await exportAndCheck('two_inputs', m);
    assert.deepEqual(r.summary.inputs.map((i) => i.name), ['img', 'vec']);
  });
});

describe('options', () => {
  const norm = { mean: [0.5, 0.4, 0.3], std: [0.25, 0.2, 0.3] };

  test('NCHW input: no transpose before the first conv', async () => {
    const r = await exportAndCheck('nchw', tinyResNet(6), { inputLayout: 'nchw' });
    assert.equal(r.summary.opCounts.Transpose, undefined);
    assert.deepEqual(r.summary.inputs[0].dims, ['batch', 3, 9, 9]);
    assert.equal(readOnnxMetadata(r.bytes)[META.inputLayout], 'NCHW');
  });
  test('NCHW input into a Flatten-after-conv model', async () => {
    const m = buildModel('cnn', [8, 8, 3], 4, { seed: 2, width: 0.25 });
    randomizeWeights(m, 7);
    await exportAndCheck('nchw_cnn', m, { inputLayout: 'nchw' });
  });
  test('baked normalisation (NHWC and NCHW) takes raw pixels; real-like inputs too', async () => {
    for (const layout of ['nhwc', 'nchw'] as const) {
      const r = await exportAndCheck(`baked_${layout}`, tinyResNet(8), { normalization: norm, bakeNormalization: true, inputLayout: layout }, { images: { data: pixels(6, [9, 9, 3], 9), n: 6 } });
      assert.equal(r.summary.opCounts.Sub, 1);
      assert.equal(r.summary.opCounts.Div, 1);
      const meta = readOnnxMetadata(r.bytes);
      assert.equal(meta[META.normalizationBaked], 'true');
      assert.deepEqual(JSON.parse(meta[META.normalization]), norm);
      assert.equal(r.verification.sets.length, 2);
    }
  });
  test('normalisation recorded but not baked', async () => {
    const r = await exportAndCheck('norm_meta', tinyResNet(8), { normalization: norm });
    assert.equal(r.summary.opCounts.Sub, undefined);
    assert.equal(readOnnxMetadata(r.bytes)[META.normalizationBaked], 'false');
  });
  test('probabilities with temperature: Div then Softmax, rows sum to 1', async () => {
    const r = await exportAndCheck('probs_t', tinyResNet(9), { probabilities: true, temperature: 2.5 });
    assert.equal(r.summary.opCounts.Softmax, 1);
    assert.equal(r.summary.opCounts.Div, 1);
    assert.equal(r.summary.outputs[0].name, 'probabilities');
    const meta = readOnnxMetadata(r.bytes);
    assert.equal(meta[META.output], 'probabilities');
    assert.equal(meta[META.temperature], '2.5');
    const ort = await import('onnxruntime-node');
    const s = await ort.InferenceSession.create(r.bytes);
    const out = await s.run({ input: new ort.Tensor('float32', pixels(3, [9, 9, 3], 1), [3, 9, 9, 3]) });
    const p = out.probabilities.data as Float32Array;
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(p.slice(i * 5, i * 5 + 5).reduce((a, b) => a + b, 0) - 1) < 1e-5);
    await s.release();
  });
  test('probabilities + temperature + baked normalisation + NCHW all at once', async () => {
    await exportAndCheck('all_options', tinyResNet(10), { probabilities: true, temperature: 0.7, normalization: norm, bakeNormalization: true, inputLayout: 'nchw', opset: 17 });
  });
  test('temperature on logits', async () => {
    const r = await exportAndCheck('logits_t', tinyResNet(11), { temperature: 3 });
    assert.equal(r.summary.outputs[0].name, 'logits');
  });
  for (const opset of [13, 14, 15, 16, 17]) {
    test(`opset ${opset} with IR version ${IR_VERSION_FOR_OPSET[opset]}`, async () => {
      const r = await exportAndCheck(`opset_${opset}`, tinyResNet(12), { opset, foldBatchNorm: opset % 2 === 0 });
      assert.equal(r.summary.irVersion, IR_VERSION_FOR_OPSET[opset]);
      assert.deepEqual(r.summary.opsets, [{ domain: 'ai.onnx', version: opset }]);
    });
  }
  test('dynamic batch: the same file runs at batch 1 and 7', async () => {
    const bytes = exportOnnx(tinyResNet(13));
    const ort = await import('onnxruntime-node');
    const s = await ort.InferenceSession.create(bytes);
    for (const n of [1, 7]) {
      const out = await s.run({ input: new ort.Tensor('float32', pixels(n, [9, 9, 3], n), [n, 9, 9, 3]) });
      assert.deepEqual(out.logits.dims, [n, 5]);
    }
    await s.release();
  });
  test('user metadata is added and wins over the defaults', () => {
    const meta = readOnnxMetadata(exportOnnx(tinyResNet(1), { metadata: { [META.method]: 'icm', [META.temperature]: '9', custom: 'x' } }));
    assert.equal(meta[META.method], 'icm');
    assert.equal(meta[META.temperature], '9');
    assert.equal(meta.custom, 'x');
    assert.equal(meta[META.inputShape], '[9,9,3]');
  });
});

describe('errors name the layer, its class and the option', () => {
  const throwsIcmix = (f: () => unknown, ...parts: RegExp[]) =>
    assert.throws(f, (e: unknown) => {
      assert.ok(e instanceof IcmixError, `expected IcmixError, got ${e}`);
      for (const p of parts) assert.match((e as Error).message, p);
      return true;
    });
  test('an unsupported layer class', () => {
    const m = tfl.sequential({ layers: [L.dense({ inputShape: [4], units: 3 }), L.layerNormalization({ name: 'my_norm' }), L.dense({ units: 2 })] });
    throwsIcmix(() => exportOnnx(m), /'my_norm'/, /LayerNormalization/, /Supported layer classes: .*Conv2D/);
  });
  test('an unsupported layer option', () => {
    const m = tfl.sequential({ layers: [L.conv2d({ inputShape: [5, 5, 1], filters: 2, kernelSize: 3, padding: 'causal', name: 'cc' })] });
    throwsIcmix(() => exportOnnx(m), /'cc'/, /Conv2D/, /padding 'causal'/);
  });
  test('bad export options', () => {
    const m = tinyResNet(1);
    throwsIcmix(() => exportOnnx(m, { opset: 12 }), /opset 12/, /13 to 17/);
    throwsIcmix(() => exportOnnx(m, { opset: 18 }), /opset 18/);
    throwsIcmix(() => exportOnnx(m, { temperature: 0 }), /temperature/);
    throwsIcmix(() => exportOnnx(m, { bakeNormalization: true }), /normali[sz]ation/);
    throwsIcmix(() => exportOnnx(m, { bakeNormalization: true, normalization: { mean: [0, 0], std: [1, 1] } }), /3 channels/);
    const vec = tfl.sequential({ layers: [L.dense({ inputShape: [4], units: 2 })] });
    throwsIcmix(() => exportOnnx(vec, { inputLayout: 'nchw' }), /rank-4/);
  });
});

test("Debian's onnx checker (full_check + strict shape inference) accepts every model above, at its opset and IR version", () => {
  const lines = checkAllWritten();
  for (const opset of [13, 14, 15, 16, 17]) {
    const l = lines.find((x) => x.path!.endsWith(`opset_${opset}.onnx`))!;
    assert.deepEqual(l.opset, [opset]);
    assert.equal(l.ir_version, IR_VERSION_FOR_OPSET[opset]);
  }
});
