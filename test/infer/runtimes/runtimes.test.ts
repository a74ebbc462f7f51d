import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { useBackend } from '../../../src/backend/select.js';
import { readModelInfo } from '../../../src/infer/model-info.js';
import { preprocess } from '../../../src/infer/preprocess.js';
import { predict, predictRaw } from '../../../src/infer/predict.js';
import { createRuntime, cudaUnavailableReason, parseRuntimeList } from '../../../src/infer/runtimes/index.js';
import { IcmixError } from '../../../src/util/errors.js';
import { randomImages, referenceLogits, tinyOnnx, tinyRunDir, tinyWeights, type TinySpec } from './tiny-model.js';

const norm = { mean: [0.4, 0.6], std: [0.25, 0.5] };
const shape: [number, number, number] = [3, 4, 2];

/** Normalise NHWC images by hand: the input the tiny network's reference takes. */
function handNormalise(x: Float32Array, c: number, nrm: { mean: number[]; std: number[] } | null): Float32Array {
  return nrm ? x.map((v, i) => (v - nrm.mean[i % c]) / nrm.std[i % c]) : x;
}

function softmaxRef(z: Float64Array, K: number): Float64Array {
  const out = new Float64Array(z.length);
  for (let i = 0; i < z.length; i += K) {
    const m = Math.max(...z.subarray(i, i + K));
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(z[i + k] - m);
    for (let k = 0; k < K; k++) out[i + k] = Math.exp(z[i + k] - m) / s;
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function writeTmp(name: string, bytes: Uint8Array): Promise<string> {
  const dir = await fs.mkdtemp(path.join((await import('node:os')).tmpdir(), 'icmix-rt-'));
  const p = path.join(dir, name);
  await fs.writeFile(p, bytes);
  return p;
}

test('readModelInfo reads icmix metadata, and falls back to graph shapes without it', async () => {
  const spec: TinySpec = { shape, classes: 5, layout: 'NCHW', probabilities: true, temperature: 2, normalization: norm, bakeNormalization: true };
  const info = await readModelInfo(await writeTmp('m.onnx', tinyOnnx(spec)));
  assert.deepEqual(info.inputShape, shape);
  assert.equal(info.inputLayout, 'NCHW');
  assert.equal(info.output, 'probabilities');
  assert.equal(info.temperature, 2);
  assert.equal(info.normalizationBaked, true);
  assert.deepEqual(info.normalization, norm);
  assert.equal(info.numClasses, 5);
  assert.deepEqual(info.classNames, ['class0', 'class1', 'class2', 'class3', 'class4']);
  assert.equal(info.batchDim, null);
  assert.equal(info.method, 'ce');

  const foreign = await readModelInfo(await writeTmp('f.onnx', tinyOnnx({ shape, classes: 3, noMetadata: true, batch: 4 })));
  assert.deepEqual(foreign.inputShape, shape);
  assert.equal(foreign.inputLayout, 'NHWC');
  assert.equal(foreign.numClasses, 3);
  assert.equal(foreign.output, 'logits');
  assert.equal(foreign.normalization, null);
  assert.equal(foreign.batchDim, 4);

  await assert.rejects(readModelInfo('/nonexistent/model.onnx'), (e: Error) => e instanceof IcmixError && /cannot read model/.test(e.message));
});

test('preprocess normalises and lays out as the metadata says (hand computation)', () => {
  // Two 1x2 images with 2 channels: NHWC values [n][h][w][c].
  const x = Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
  const s: [number, number, number] = [1, 2, 2];
  const nrm = { mean: [0.5, 0.25], std: [0.5, 0.25] };
  const nhwc = preprocess(x, 2, { inputShape: s, inputLayout: 'NHWC', normalization: nrm, normalizationBaked: false });
  assert.deepEqual(nhwc.dims, [2, 1, 2, 2]);
  const expected = [(0.1 - 0.5) / 0.5, (0.2 - 0.25) / 0.25, (0.3 - 0.5) / 0.5, (0.4 - 0.25) / 0.25, (0.5 - 0.5) / 0.5, (0.6 - 0.25) / 0.25, (0.7 - 0.5) / 0.5, (0.8 - 0.25) / 0.25];
  assert.ok(maxAbsDiff(nhwc.data, expected) < 1e-6);
  const nchw = preprocess(x, 2, { inputShape: s, inputLayout: 'NCHW', normalization: nrm, normalizationBaked: false });
  assert.deepEqual(nchw.dims, [2, 2, 1, 2]);
  // image 0: channel 0 = pixels (0.1, 0.3), channel 1 = (0.2, 0.4); image 1 likewise.
  const e = expected;
  assert.ok(maxAbsDiff(nchw.data, [e[0], e[2], e[1], e[3], e[4], e[6], e[5], e[7]]) < 1e-6);
  // Baked normalisation: raw pixels, only reordered.
  const baked = preprocess(x, 2, { inputShape: s, inputLayout: 'NCHW', normalization: nrm, normalizationBaked: true });
  assert.deepEqual(Array.from(baked.data), Array.from(Float32Array.from([0.1, 0.3, 0.2, 0.4, 0.5, 0.7, 0.6, 0.8])));
  assert.throws(() => preprocess(x, 3, { inputShape: s, inputLayout: 'NHWC', normalization: null, normalizationBaked: false }), IcmixError);
});

for (const variant of [
  { layout: 'NHWC', bake: false, probabilities: false },
  { layout: 'NCHW', bake: true, probabilities: true, temperature: 1.7 },
  { layout: 'NCHW', bake: false, probabilities: false },
] as const) {
  const label = `${variant.layout}, normalisation ${variant.bake ? 'baked' : 'in preprocess'}, ${variant.probabilities ? 'probabilities' : 'logits'}`;
  test(`cpu, web and tfjs agree with the hand computation (${label})`, async () => {
    await useBackend('cpu');
    const spec: TinySpec = { shape, classes: 4, layout: variant.layout, probabilities: variant.probabilities, temperature: 'temperature' in variant ? variant.temperature : undefined, normalization: norm, bakeNormalization: variant.bake };
    const { onnxPath } = await tinyRunDir(spec);
    const info = await readModelInfo(onnxPath);
    const n = 7;
    const images = randomImages(n, shape);
    const ref = referenceLogits(handNormalise(images, 2, norm), n, spec, tinyWeights(spec));
    const want = variant.probabilities ? softmaxRef(ref, 4) : ref;
    const outs: Record<string, Float32Array> = {};
    for (const name of ['cpu', 'web', 'tfjs'] as const) {
      const rt = await createRuntime(name, onnxPath, { info, threads: 1, backend: 'cpu' });
      assert.equal(rt.name, name);
      outs[name] = await predictRaw(rt, info, images, n, { batchSize: 3 });
      await rt.dispose();
      assert.ok(maxAbsDiff(outs[name], want) < 1e-5, `${name} vs hand: ${maxAbsDiff(outs[name], want)}`);
    }
    assert.ok(maxAbsDiff(outs.cpu, outs.web) < 1e-5);
    assert.ok(maxAbsDiff(outs.cpu, outs.tfjs) < 1e-5);
  });
}

test('predict: probabilities and logits whatever the output kind; batch size does not change results', async () => {
  const spec: TinySpec = { shape, classes: 4, normalization: norm };
  const logitsPath = await writeTmp('l.onnx', tinyOnnx(spec));
  const probsPath = await writeTmp('p.onnx', tinyOnnx({ ...spec, probabilities: true }));
  const n = 9;
  const images = randomImages(n, shape, 3);
  const li = await readModelInfo(logitsPath);
  const pi = await readModelInfo(probsPath);
  const lr = await createRuntime('cpu', logitsPath);
  const pr = await createRuntime('cpu', probsPath);
  const a = await predict(lr, li, images, n, { batchSize: 1 });
  const b = await predict(lr, li, images, n, { batchSize: 4 });
  const p = await predict(pr, pi, images, n, { batchSize: 100 });
  assert.ok(maxAbsDiff(a.logits, b.logits) < 1e-6);
  assert.ok(maxAbsDiff(a.probs, p.probs) < 1e-6);
  // Log-probabilities as logits: softmax of them gives the probabilities back.
  const ls = softmaxRef(Float64Array.from(p.logits), 4);
  assert.ok(maxAbsDiff(ls, p.probs) < 1e-6);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < 4; k++) s += a.probs[i * 4 + k];
    assert.ok(Math.abs(s - 1) < 1e-6);
  }
  await lr.dispose();
  await pr.dispose();
});

test('a fixed-batch graph is fed whole batches (last one padded) and gives the same outputs', async () => {
  const spec: TinySpec = { shape, classes: 3, batch: 4, normalization: norm };
  const fixed = await writeTmp('fixed.onnx', tinyOnnx(spec));
  const dyn = await writeTmp('dyn.onnx', tinyOnnx({ ...spec, batch: undefined }));
  const n = 6;
  const images = randomImages(n, shape, 5);
  const fi = await readModelInfo(fixed);
  const di = await readModelInfo(dyn);
  const fr = await createRuntime('cpu', fixed);
  const dr = await createRuntime('cpu', dyn);
  const a = await predictRaw(fr, fi, images, n, { batchSize: 64 });
  const b = await predictRaw(dr, di, images, n, { batchSize: 64 });
  assert.equal(a.length, n * 3);
  assert.ok(maxAbsDiff(a, b) < 1e-6);
  await fr.dispose();
  await dr.dispose();
});

test('cuda: without its binaries an IcmixError says how to install them, and fallback cpu runs and says so', async () => {
  const { onnxPath } = await tinyRunDir({ shape, classes: 3, normalization: norm });
  const info = await readModelInfo(onnxPath);
  const images = randomImages(2, shape);
  const cpu = await createRuntime('cpu', onnxPath);
  const want = await predictRaw(cpu, info, images, 2);
  await cpu.dispose();
  if (!cudaUnavailableReason()) {
    // A machine with the CUDA execution provider installed: it must agree with the CPU.
    const rt = await createRuntime('cuda', onnxPath);
    assert.equal(rt.name, 'cuda');
    assert.ok(maxAbsDiff(await predictRaw(rt, info, images, 2), want) < 1e-4);
    await rt.dispose();
    return;
  }
  await assert.rejects(createRuntime('cuda', onnxPath), (e: Error) => {
    assert.ok(e instanceof IcmixError);
    assert.match(e.message, /ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules\/onnxruntime-node\/script\/install\.js/);
    assert.match(e.message, /--fallback cpu/);
    return true;
  });
  const rt = await createRuntime('cuda', onnxPath, { fallback: 'cpu' });
  assert.equal(rt.name, 'cpu');
  assert.equal(rt.requested, 'cuda');
  assert.match(rt.note ?? '', /cuda unavailable, ran on cpu/);
  assert.deepEqual(await predictRaw(rt, info, images, 2), want);
  await rt.dispose();
});

test('unknown and repeated runtime names are rejected (webgpu: ./webgpu.test.ts)', () => {
  assert.deepEqual(parseRuntimeList('cpu, web,tfjs'), ['cpu', 'web', 'tfjs']);
  assert.throws(() => parseRuntimeList('cpu,gpu'), (e: Error) => e instanceof IcmixError && /unknown runtime 'gpu'/.test(e.message));
  assert.throws(() => parseRuntimeList('cpu,cpu'), IcmixError);
});

test('a CNN exported by icmix export: header reader matches the exporter, and cpu, web, tfjs agree in every layout', async () => {
  const { buildModel } = await import('../../../src/train/models/index.js');
  const { saveLayersModel } = await import('../../../src/run/model-io.js');
  const { exportRun, inspectOnnx, readOnnxMetadata } = await import('../../../src/export/index.js');
  await useBackend('cpu');
  const s: [number, number, number] = [12, 12, 3];
  const nrm = { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] };
  const { runDir } = await tinyRunDir({ shape: s, classes: 4, normalization: nrm });
  await saveLayersModel(buildModel('cnn', s, 4, { seed: 3, width: 0.25 }), path.join(runDir, 'model'));
  const images = randomImages(5, s, 11);
  for (const variant of [{}, { inputLayout: 'nchw', bakeNormalization: true, probabilities: true, temperature: 1.5 }] as const) {
    const out = path.join(runDir, `cnn-${Object.keys(variant).length}.onnx`);
    await exportRun(runDir, { ...variant, out, verify: false });
    const bytes = await fs.readFile(out);
    const info = await readModelInfo(out);
    assert.deepEqual(info.metadata, readOnnxMetadata(bytes));
    const summary = inspectOnnx(bytes);
    assert.equal(info.numClasses, summary.outputs[0].dims![1]);
    assert.equal(info.inputLayout, 'inputLayout' in variant ? 'NCHW' : 'NHWC');
    const outs: Float32Array[] = [];
    for (const name of ['cpu', 'web', 'tfjs'] as const) {
      const rt = await createRuntime(name, out, { info, threads: 1, backend: 'cpu' });
      outs.push(await predictRaw(rt, info, images, 5, { batchSize: 2 }));
      await rt.dispose();
    }
    assert.ok(maxAbsDiff(outs[0], outs[1]) < 1e-4, `cpu vs web ${maxAbsDiff(outs[0], outs[1])}`);
    assert.ok(maxAbsDiff(outs[0], outs[2]) < 1e-4, `cpu vs tfjs ${maxAbsDiff(outs[0], outs[2])}`);
  }
});
