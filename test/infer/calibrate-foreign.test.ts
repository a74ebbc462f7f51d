/**
 * `icmix calibrate` on models made elsewhere (python3-onnx, NCHW, PyTorch-style names, no
 * metadata; one ending in logits, one in a softmax): T is fitted on the validation split held out
 * of the training set (never the test split), and the calibrated copy gives softmax(logits / T)
 * with the logits from onnxruntime fed by hand.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '../../src/backend/select.js';
import { exportRun } from '../../src/export/index.js';
import type { ImageSet } from '../../src/data/index.js';
import { calibrateModel, logitsOfProbabilities } from '../../src/infer/calibrate-model.js';
import { CALIBRATION_META } from '../../src/infer/calibrated-source.js';
import { evaluate } from '../../src/infer/evaluate.js';
import { fitTemperature, maxAbsDiff, nll, softmax } from '../../src/infer/metrics/index.js';
import { readModelInfo } from '../../src/infer/model-info.js';
import { predict } from '../../src/infer/predict.js';
import { createRuntime } from '../../src/infer/runtimes/index.js';
import { runSplit } from '../../src/run/index.js';
import { createServer } from '../../src/serve/index.js';
import { writeIdxDataset } from './suites/fixtures.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'icmix-calib-foreign-'));
after(() => rmSync(root, { recursive: true, force: true }));

const MEAN = 0.3;
const STD = 0.2;
const VAL = 60;
const SEED = 3;
const logitsModel = path.join(root, 'torch.onnx');
const softmaxModel = path.join(root, 'torch-softmax.onnx');
let dataset: string;
let split: { val: ImageSet; test: ImageSet };

function python(args: string[]): void {
  const r = spawnSync('/usr/bin/python3', ['test/infer/fixtures/foreign_onnx.py', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, `foreign_onnx.py (needs Debian's python3-onnx): ${r.stderr}`);
}

/** The logits model's outputs from onnxruntime on an NCHW tensor normalised by hand (not through icmix). */
async function referenceLogits(set: ImageSet): Promise<Float32Array> {
  const n = set.labels.length;
  const x = Float32Array.from(set.images, (v) => (v - MEAN) / STD); // one channel: NHWC = NCHW
  const s = await ort.InferenceSession.create(logitsModel);
  const out = (await s.run({ input: new ort.Tensor('float32', x, [n, 1, 8, 8]) })).output.data as Float32Array;
  await s.release();
  return Float32Array.from(out);
}

async function probsOf(model: string, set: ImageSet): Promise<Float32Array> {
  const info = await readModelInfo(model);
  const rt = await createRuntime('cpu', model, { info });
  try {
    return (await predict(rt, info, set.images, set.labels.length)).probs;
  } finally {
    await rt.dispose();
  }
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => maxAbsDiff(a, b, 3);

before(async () => {
  await useBackend('cpu');
  // Same seed, so the softmax model is softmax of the logits model.
  python([logitsModel, '--size', '8', '8', '--channels', '1', '--classes', '3', '--seed', '9']);
  python([softmaxModel, '--size', '8', '8', '--channels', '1', '--classes', '3', '--seed', '9', '--softmax']);
  dataset = `idx:${await writeIdxDataset({ h: 8, w: 8, classes: 3, train: 300, test: 90 })}`;
  // The split icmix train would make with --val-size 60 --seed 3: computed here independently of calibrate.
  split = await runSplit({ dataset, valSize: VAL, seed: SEED });
});

test('a logits model without metadata: T is fitted on the held-out validation split, and the copy gives softmax(z / T) of onnxruntime by hand', async () => {
  const out = path.join(root, 'torch.calibrated.onnx');
  const r = await calibrateModel(logitsModel, { dataset, valSize: VAL, seed: SEED, overrides: { mean: [MEAN], std: [STD] } });
  assert.equal(r.path, out);
  assert.deepEqual(r.fit, { dataset, split: 'val', splitHow: `stratified hold-out of ${dataset}'s training set (seed 3), as icmix train's`, valSize: VAL, seed: SEED, logitsFrom: 'logits', source: 'torch.onnx', sourceSha256: createHash('sha256').update(await fs.readFile(logitsModel)).digest('hex') });
  // T is the one the validation logits give, not the test logits.
  const valZ = await referenceLogits(split.val);
  const testZ = await referenceLogits(split.test);
  const T = fitTemperature(valZ, split.val.labels, 3).temperature;
  // icmix normalises as (x - mean) * (1 / std), the hand tensor as (x - mean) / std: float32 rounding apart.
  assert.ok(Math.abs(r.calibration.temperature - T) <= 1e-6 * T, `T ${r.calibration.temperature} vs ${T} fitted on val by hand`);
  assert.notEqual(fitTemperature(testZ, split.test.labels, 3).temperature, T, 'the test split would give another T');

  // The copy passes model info's output-kind and temperature checks and describes itself.
  const info = await readModelInfo(out);
  assert.equal(info.output, 'probabilities');
  assert.equal(info.temperature, r.calibration.temperature);
  assert.equal(info.inputLayout, 'NCHW');
  assert.deepEqual(info.normalization, { mean: [MEAN], std: [STD] });
  assert.deepEqual(info.oodThreshold, r.oodThreshold);
  assert.equal(info.dataset, dataset);
  assert.deepEqual(JSON.parse(info.metadata[CALIBRATION_META]), r.fit);
  const record = JSON.parse(await fs.readFile(r.calibrationFile, 'utf8'));
  assert.equal(path.basename(r.calibrationFile), 'torch.calibrated.calibration.json');
  assert.deepEqual(record.fit, r.fit);
  assert.equal(record.temperature, r.calibration.temperature);

  // Eval's probabilities (no flags: the copy's metadata says it all) = softmax(z / T) by hand.
  const want = softmax(testZ, 3, r.calibration.temperature);
  const got = await probsOf(out, split.test);
  assert.ok(maxDiff(got, want) < 1e-6, `max |Δp| ${maxDiff(got, want)}`);
  const report = await evaluate({ model: out, dataset, suites: ['id'] });
  assert.ok(Math.abs(report.runtimes[0].suites.id!.nll - nll(want, split.test.labels, 3)) < 1e-6);
  // serve reads it without flags too.
  const s = await createServer({ model: out, web: false });
  try {
    const doc = (await s.app.inject({ url: '/v1/model' })).json() as { inputLayout: string; temperature: number; oodThreshold: unknown; normalization: unknown };
    assert.deepEqual([doc.inputLayout, doc.temperature, doc.oodThreshold, doc.normalization], ['NCHW', r.calibration.temperature, r.oodThreshold, { mean: [MEAN], std: [STD] }]);
  } finally {
    await s.close();
  }
});

test('a Softmax -> Clip head (softmax(x).clamp(min=1e-7)) is calibrated on its log probabilities, to the logits model\'s T (issue 25 item 2)', async () => {
  const clipModel = path.join(root, 'torch-clip.onnx');
  python([clipModel, '--size', '8', '8', '--channels', '1', '--classes', '3', '--seed', '9', '--softmax', '--clip']);
  const ref = await calibrateModel(logitsModel, { dataset, valSize: VAL, seed: SEED, overrides: { mean: [MEAN], std: [STD] }, out: path.join(root, 'ref-clip.onnx') });
  const r = await calibrateModel(clipModel, { dataset, valSize: VAL, seed: SEED, overrides: { mean: [MEAN], std: [STD] } });
  assert.equal(r.fit.logitsFrom, 'log of the probabilities');
  const T = r.calibration.temperature;
  assert.ok(Math.abs(T - ref.calibration.temperature) < 1e-4 * T, `T ${T} vs ${ref.calibration.temperature} from the logits`);
});

test('a softmax model: calibrated on the log of its probabilities (exact up to a constant per row), same T and probabilities', async () => {
  const ref = await calibrateModel(logitsModel, { dataset, valSize: VAL, seed: SEED, overrides: { mean: [MEAN], std: [STD] }, out: path.join(root, 'ref.onnx') });
  // The graph ends in a Softmax, so it is read as probabilities without --output.
  const r = await calibrateModel(softmaxModel, { dataset, valSize: VAL, seed: SEED, overrides: { mean: [MEAN], std: [STD] } });
  assert.equal(r.fit.logitsFrom, 'log of the probabilities');
  const T = r.calibration.temperature;
  assert.ok(Math.abs(T - ref.calibration.temperature) < 1e-4 * T, `T ${T} vs ${ref.calibration.temperature} from the logits`);
  const info = await readModelInfo(r.path);
  assert.equal(info.output, 'probabilities');
  assert.equal(info.temperature, T);
  const testZ = await referenceLogits(split.test);
  const got = await probsOf(r.path, split.test);
  assert.ok(maxDiff(got, softmax(testZ, 3, T)) < 1e-5, `max |Δp| ${maxDiff(got, softmax(testZ, 3, T))}`);
  // The floor keeps an underflowed probability finite.
  assert.ok(Number.isFinite(logitsOfProbabilities(Float32Array.of(0))[0]));
});

/**
 * A tfjs functional model built outside icmix's zoo (separable convs, a final softmax), saved in
 * tfjs's own file layout (model.json + group1-shard1of1.bin, as tfjs's file:// handler writes).
 */
async function saveForeignTfjs(dir: string): Promise<tfl.LayersModel> {
  const input = tfl.input({ shape: [8, 8, 1] });
  // depthMultiplier stays 1: tfjs-layers 4.22's SeparableConv.getConfig drops it, so tfjs itself
  // cannot load back a model saved with another one.
  let x = tfl.layers.separableConv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'sep1' }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.separableConv2d({ filters: 6, kernelSize: 3, strides: 2, activation: 'relu', name: 'sep2' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.flatten().apply(x) as tfl.SymbolicTensor;
  const output = tfl.layers.dense({ units: 3, activation: 'softmax', name: 'head' }).apply(x) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: output });
  // Seeded weights: the layers' own initialisers are not seeded.
  let r = 11;
  model.setWeights(model.getWeights().map((w) => tf.tensor(Float32Array.from({ length: w.size }, () => ((r = (r * 16807) % 2147483647) / 2147483647 - 0.5) * 0.8), w.shape)));
  await fs.mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      await fs.writeFile(path.join(dir, 'group1-shard1of1.bin'), new Uint8Array(a.weightData as ArrayBuffer));
      await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: a.modelTopology, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }] }));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return model;
}

test('a tfjs functional model with separable convs and a softmax, saved by tfjs: export, calibrate, and the copy gives softmax(log p_tfjs / T)', async () => {
  const dir = path.join(root, 'tfjs-separable');
  const model = await saveForeignTfjs(dir);
  const onnx = path.join(dir, 'model.onnx');
  await exportRun(dir, { out: onnx }); // strips the softmax: the ONNX outputs logits
  const r = await calibrateModel(onnx, { dataset, valSize: VAL, seed: SEED });
  assert.equal(r.fit.logitsFrom, 'logits');
  const info = await readModelInfo(r.path);
  assert.equal(info.output, 'probabilities');
  assert.equal(info.temperature, r.calibration.temperature);
  // T from the tfjs model's own probabilities on the validation split (log p = logits + a constant per row).
  const n = split.val.labels.length;
  const pVal = (model.predict(tf.tensor4d(split.val.images, [n, 8, 8, 1])) as tf.Tensor).dataSync() as Float32Array;
  const T = fitTemperature(logitsOfProbabilities(pVal), split.val.labels, 3).temperature;
  assert.ok(Math.abs(r.calibration.temperature - T) < 1e-4 * T, `T ${r.calibration.temperature} vs ${T} from tfjs`);
  const m = split.test.labels.length;
  const pTest = (model.predict(tf.tensor4d(split.test.images, [m, 8, 8, 1])) as tf.Tensor).dataSync() as Float32Array;
  const got = await probsOf(r.path, split.test);
  const want = softmax(logitsOfProbabilities(pTest), 3, r.calibration.temperature);
  assert.ok(maxDiff(got, want) < 1e-5, `max |Δp| ORT calibrated vs tfjs ${maxDiff(got, want)}`);
});

test('bad input: already calibrated, wrong class count, a layout that does not fit (names the flag)', async () => {
  const cal = path.join(root, 'torch.calibrated.onnx');
  await assert.rejects(calibrateModel(cal, { dataset, valSize: VAL }), /already at temperature .*calibrate the uncalibrated model/);
  const five = `idx:${await writeIdxDataset({ h: 8, w: 8, classes: 5, train: 50, test: 10 })}`;
  await assert.rejects(calibrateModel(logitsModel, { dataset: five, overrides: { normalize: false } }), /outputs 3 classes but idx:.* has 5/);
  await assert.rejects(calibrateModel(logitsModel, { dataset, overrides: { inputLayout: 'NHWC', normalize: false } }), /read as NCHW it fits: pass --input-layout NCHW/);
  const big = `idx:${await writeIdxDataset({ h: 16, w: 16, classes: 3, train: 50, test: 10 })}`;
  await assert.rejects(calibrateModel(logitsModel, { dataset: big, overrides: { normalize: false } }), /takes 8x8 pixels \(width x height\), the data is 16x16; calibrate on a dataset of that size \(a folder:<dir> dataset is resized to it/);
  await assert.rejects(calibrateModel(logitsModel, { overrides: { normalize: false } }), /records none \(metadata icmix.dataset\): name it with --dataset/);
});

test('icmix calibrate MODEL.onnx --dataset ... with the foreign-model flags; a run folder refuses them', async () => {
  const icmix = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 120_000 });
  const out = path.join(root, 'cli.onnx');
  const ok = icmix(['calibrate', logitsModel, '--dataset', dataset, '--val-size', '60', '--seed', '3', '--mean', '0.3', '--std', '0.2', '--out', out, '--quiet']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /fitted on the validation split: 60 images, stratified hold-out of idx:.*'s training set \(seed 3\)/);
  assert.match(ok.stdout, new RegExp(`wrote ${out.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} .* and .*cli\\.calibration\\.json`));
  assert.equal((await readModelInfo(out)).output, 'probabilities');
  const folder = await fs.mkdtemp(path.join(root, 'run-'));
  const bad = icmix(['calibrate', folder, '--dataset', dataset, '--mean', '0.3']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--dataset, --mean are for an \.onnx file made elsewhere; .* is a run folder/);
  const raw = icmix(['calibrate', folder, '--no-normalize']);
  assert.equal(raw.status, 1);
  assert.match(raw.stderr, /--no-normalize is for an \.onnx file made elsewhere; .* is a run folder/);
});
