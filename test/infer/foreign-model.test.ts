/**
 * A model made outside icmix: written by Debian's python3-onnx (test/infer/fixtures/foreign_onnx.py)
 * the way PyTorch exports, NCHW with PyTorch-style names and no metadata, evaluated, predicted and
 * served with the flags that say what the metadata would.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { useBackend } from '../../src/backend/select.js';
import { encodeCifarRecords, loadDataset, type ImageSet } from '../../src/data/index.js';
import { evaluate } from '../../src/infer/evaluate.js';
import { accuracy, softmax } from '../../src/infer/metrics/index.js';
import { applyModelOverrides, layoutFromDims, loadModelInfo, readClassNamesFile } from '../../src/infer/model-overrides.js';
import { readOnnxHeader } from '../../src/onnx/index.js';
import { predict } from '../../src/infer/predict.js';
import { createRuntime } from '../../src/infer/runtimes/index.js';
import { createServer } from '../../src/serve/index.js';
import { Rng } from '../../src/util/rng.js';
import { tinyOnnx } from './runtimes/tiny-model.js';
import { writeIdxDataset } from './suites/fixtures.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'icmix-foreign-'));
after(() => rmSync(root, { recursive: true, force: true }));

const MEAN = [0.49, 0.48, 0.45];
const STD = [0.25, 0.24, 0.26];
const NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const logitsModel = path.join(root, 'foreign.onnx');
const softmaxModel = path.join(root, 'foreign-softmax.onnx');
const cifarDir = path.join(root, 'cifar');
const namesFile = path.join(root, 'classes.txt');
let test10: ImageSet;

function python(args: string[]): void {
  const r = spawnSync('/usr/bin/python3', ['test/infer/fixtures/foreign_onnx.py', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, `foreign_onnx.py (needs Debian's python3-onnx): ${r.stderr}`);
}

/** A CIFAR-10 binary folder with seeded random pixels: 5 x 2 train images, 40 test images. */
async function writeCifar(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const rng = new Rng(3);
  const batch = (n: number) => encodeCifarRecords(Uint8Array.from({ length: n * 32 * 32 * 3 }, () => rng.int(256)), [Array.from({ length: n }, () => rng.int(10))]);
  for (let b = 1; b <= 5; b++) await fs.writeFile(path.join(dir, `data_batch_${b}.bin`), batch(2));
  await fs.writeFile(path.join(dir, 'test_batch.bin'), batch(40));
  await fs.writeFile(path.join(dir, 'batches.meta.txt'), NAMES.join('\n'));
}

/** What the model must give: onnxruntime on an NCHW tensor normalised by hand (not through icmix). */
async function reference(model: string, set: ImageSet, mean = MEAN, std = STD): Promise<Float32Array> {
  const n = set.labels.length;
  const x = new Float32Array(n * 3 * 32 * 32);
  for (let i = 0; i < n; i++) for (let ch = 0; ch < 3; ch++) for (let p = 0; p < 1024; p++) x[(i * 3 + ch) * 1024 + p] = (set.images[(i * 1024 + p) * 3 + ch] - mean[ch]) / std[ch];
  const s = await ort.InferenceSession.create(model);
  const out = (await s.run({ input: new ort.Tensor('float32', x, [n, 3, 32, 32]) })).output.data as Float32Array;
  await s.release();
  return Float32Array.from(out);
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

before(async () => {
  await useBackend('cpu');
  python([logitsModel, '--size', '32', '32', '--channels', '3', '--classes', '10', '--seed', '5']);
  python([softmaxModel, '--size', '32', '32', '--channels', '3', '--classes', '10', '--seed', '5', '--softmax']);
  await writeCifar(cifarDir);
  await fs.writeFile(namesFile, NAMES.join('\n') + '\n');
  test10 = (await loadDataset('cifar10', { dir: cifarDir })).test;
});

test('the layout is read off an unambiguous graph input; otherwise metadata, flag or NHWC', () => {
  assert.equal(layoutFromDims(['batch_size', 3, 224, 224]), 'NCHW');
  assert.equal(layoutFromDims(['N', 28, 28, 1]), 'NHWC');
  assert.equal(layoutFromDims(['N', 3, 3, 3]), undefined);
  assert.equal(layoutFromDims(['N', 784]), undefined);
});

test('eval on a PyTorch-style NCHW model without metadata: the probabilities of onnxruntime on a hand-made NCHW tensor', async () => {
  const { info, notes, layoutFrom } = await loadModelInfo(logitsModel, { mean: MEAN, std: STD, classNames: await readClassNamesFile(namesFile) });
  assert.equal(info.inputLayout, 'NCHW');
  assert.equal(layoutFrom, 'graph');
  assert.deepEqual(info.inputShape, [32, 32, 3]);
  assert.deepEqual(info.classNames, NAMES);
  assert.match(notes.join('\n'), /input \[batch_size,3,32,32\] reads as NCHW/);
  const ref = softmax(await reference(logitsModel, test10), 10);
  const rt = await createRuntime('cpu', logitsModel, { info });
  const got = await predict(rt, info, test10.images, 40, { batchSize: 16 });
  await rt.dispose();
  assert.ok(maxDiff(got.probs, ref) < 1e-6, `max |Δp| ${maxDiff(got.probs, ref)}`);

  const report = await evaluate({ model: logitsModel, dataset: 'cifar10', dataDir: cifarDir, suites: ['id'], overrides: { mean: MEAN, std: STD, classNames: NAMES } });
  assert.equal(report.model.inputLayout, 'NCHW');
  assert.deepEqual(report.model.classNames, NAMES);
  assert.equal(report.runtimes[0].suites.id!.accuracy, accuracy(ref, test10.labels, 10));

  // Without --mean/--std the model sees other inputs: the flags are what make the numbers right.
  const { info: raw } = await loadModelInfo(logitsModel, { normalize: false });
  const rt2 = await createRuntime('cpu', logitsModel, { info: raw });
  const unnormalised = await predict(rt2, raw, test10.images, 40);
  await rt2.dispose();
  assert.ok(maxDiff(unnormalised.probs, ref) > 1e-3);
});

test('--output probabilities for a softmax head, --input-range 0-255 with mean/std in those units', async () => {
  const ref = softmax(await reference(logitsModel, test10), 10);
  const run = async (overrides: Parameters<typeof loadModelInfo>[1], model = softmaxModel) => {
    const { info } = await loadModelInfo(model, overrides);
    const rt = await createRuntime('cpu', model, { info });
    const p = await predict(rt, info, test10.images, 40);
    await rt.dispose();
    return p.probs;
  };
  assert.ok(maxDiff(await run({ mean: MEAN, std: STD, output: 'probabilities' }), ref) < 1e-6);
  assert.equal((await loadModelInfo(softmaxModel, { output: 'probabilities', normalize: false })).info.output, 'probabilities');
  const in255 = await run({ inputRange: '0-255', mean: MEAN.map((m) => m * 255), std: STD.map((s) => s * 255) }, logitsModel);
  assert.ok(maxDiff(in255, ref) < 1e-5, `0-255 max |Δp| ${maxDiff(in255, ref)}`);
});

test('flags override icmix metadata and each differing value is reported', () => {
  const header = readOnnxHeader(tinyOnnx({ shape: [8, 8, 1], classes: 3, normalization: { mean: [0.2], std: [0.3] }, bakeNormalization: true }));
  const r = applyModelOverrides(header, 'm.onnx', { inputLayout: 'NHWC', mean: [0.1] });
  assert.deepEqual(r.info.normalization, { mean: [0.1], std: [1] });
  assert.equal(r.info.normalizationBaked, false);
  assert.equal(r.layoutFrom, 'flag');
  // A flag cannot make a graph ending in Add output probabilities: refused, not believed.
  assert.throws(() => applyModelOverrides(header, 'm.onnx', { output: 'probabilities' }), /--output probabilities, but the graph's last node is Add, not a Softmax/);
  assert.ok(r.notes.some((n) => /^--mean\/--std .* overrides the model's metadata icmix.normalization/.test(n)), r.notes.join('\n'));
  assert.ok(r.notes.some((n) => /normalises itself/.test(n)));
  assert.ok(!r.notes.some((n) => n.startsWith('--input-layout')), 'the same value is no conflict');
  // Without flags nothing changes.
  const plain = applyModelOverrides(header, 'm.onnx');
  assert.deepEqual(plain.notes, []);
  assert.equal(plain.info.inputScale, 1);
});

test('a wrong --output flag is refused naming the flag, not metadata the user never wrote', () => {
  const logits = readOnnxHeader(tinyOnnx({ shape: [8, 8, 1], classes: 3, noMetadata: true }));
  const probs = readOnnxHeader(tinyOnnx({ shape: [8, 8, 1], classes: 3, probabilities: true, noMetadata: true }));
  assert.throws(() => applyModelOverrides(logits, 'm.onnx', { output: 'probabilities' }), /m\.onnx: --output probabilities, but the graph's last node is Add, not a Softmax.*leave --output out/);
  assert.throws(() => applyModelOverrides(probs, 'p.onnx', { output: 'logits' }), /p\.onnx: --output logits, but the graph ends in a Softmax.*leave --output out/);
});

test('--mean/--std in the wrong units for --input-range: an impossible mean is refused, a likely slip is noted', () => {
  const header = readOnnxHeader(tinyOnnx({ shape: [8, 8, 3], classes: 3, noMetadata: true }));
  // A mean of pixels in [0, 1] cannot be 73: the 0-255 values with the 0-1 default range.
  assert.throws(() => applyModelOverrides(header, 'm.onnx', { mean: [73], std: [90] }), /--mean 73 is outside 0-1, the units of --input-range 0-1.*--input-range 0-255/);
  // 0-1 values with --input-range 0-255 are possible but unlikely: said, not refused.
  const slip = applyModelOverrides(header, 'm.onnx', { inputRange: '0-255', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
  assert.ok(slip.notes.some((n) => /--mean\/--std look like 0-1 values but --input-range is 0-255.*multiply them by 255/.test(n)), slip.notes.join('\n'));
  const right = applyModelOverrides(header, 'm.onnx', { inputRange: '0-255', mean: [124, 116, 104], std: [58, 57, 57] });
  assert.ok(!right.notes.some((n) => /look like/.test(n)));
  assert.ok(!applyModelOverrides(header, 'm.onnx', { mean: [0.5], std: [0.5] }).notes.some((n) => /look like/.test(n)));
});

test('an input without a fixed image shape says what the graph takes and how to fix it', async () => {
  const { decodeModel, encodeModel } = await import('../../src/onnx/index.js');
  const { modelInfoFromBytes } = await import('../../src/infer/model-info.js');
  const withInput = (dims: (number | string)[]) => {
    const m = decodeModel(tinyOnnx({ shape: [4, 4, 1], classes: 3, noMetadata: true }));
    m.graph!.input![0].type!.tensorType!.shape!.dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
    return encodeModel(m);
  };
  assert.throws(() => modelInfoFromBytes(withInput(['N', 'C', 'H', 'W']), 'dyn.onnx'), /dyn\.onnx: its input \[N,C,H,W\] leaves the image size open.*fixed height, width and channels.*dynamic_axes/);
  assert.throws(() => modelInfoFromBytes(withInput(['N', 16]), 'flat.onnx'), /flat\.onnx: its input \[N,16\] is not an image batch.*\[N, H, W, C\] or \[N, C, H, W\].*Reshape/);
});

test('a model that does not fit the data: the error names the mismatch and the flag that fixes it', async () => {
  const ev = (overrides: object, dataset = 'cifar10') => evaluate({ model: logitsModel, dataset, dataDir: dataset === 'cifar10' ? cifarDir : undefined, suites: ['id'], overrides: { normalize: false, ...overrides } });
  await assert.rejects(ev({ inputLayout: 'NHWC' }), (e: Error) => {
    assert.equal(
      e.message,
      `cifar10 images are [32,32,3] (H, W, C) but ${logitsModel} takes [3,32,32] (its input [batch_size,3,32,32] read as NHWC, from --input-layout); read as NCHW it fits: pass --input-layout NCHW`,
    );
    return true;
  });
  const grey = await writeIdxDataset({ h: 32, w: 32, classes: 3, train: 4, test: 4 });
  // Grey data for an RGB model is converted as serve and predict convert files (small-things.test.ts).
  assert.equal((await ev({}, `idx:${grey}`)).runtimes[0].suites.id!.n, 4);
  const small = await writeIdxDataset({ h: 8, w: 8, classes: 3, train: 4, test: 4 });
  await assert.rejects(ev({}, `idx:${small}`), /the model takes 32x32 pixels \(width x height\), the data is 8x8/);
  await assert.rejects(loadModelInfo(logitsModel, { mean: [0.1, 0.2] }), /--mean has 2 values but .*foreign\.onnx takes 3 channel\(s\)/);
  await assert.rejects(loadModelInfo(logitsModel, { classNames: ['a', 'b'] }), /--class-names names 2 classes but .*foreign\.onnx outputs 10/);
  await assert.rejects(loadModelInfo(logitsModel, { std: [0] }), /std must be a list of numbers > 0/);
});

test('icmix eval and serve take the flags', async () => {
  const icmix = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 120_000 });
  const out = path.join(root, 'report');
  const base = ['eval', logitsModel, '--dataset', 'cifar10', '--data-dir', cifarDir, '--suite', 'id', '--out', out];
  const ok = icmix([...base, '--mean', MEAN.join(','), '--std', STD.join(','), '--class-names', namesFile]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stderr, /reads as NCHW/);
  const report = JSON.parse(await fs.readFile(path.join(out, 'report.json'), 'utf8'));
  assert.deepEqual(report.model.classNames, NAMES);
  const bad = icmix([...base, '--input-layout', 'NHWC', '--no-normalize']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^icmix: cifar10 images are \[32,32,3\].*pass --input-layout NCHW$/m);

  const s = await createServer({ model: softmaxModel, web: false, overrides: { mean: MEAN, std: STD, output: 'probabilities', classNames: NAMES } });
  try {
    const doc = (await s.app.inject({ method: 'GET', url: '/v1/model' })).json() as { inputLayout: string; classNames: string[]; output: string };
    assert.equal(doc.inputLayout, 'NCHW');
    assert.equal(doc.output, 'probabilities');
    assert.deepEqual(doc.classNames, NAMES);
    const img = Array.from(test10.images.subarray(0, 32 * 32 * 3));
    const res = await s.app.inject({ method: 'POST', url: '/v1/predict', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ inputs: [img], layout: 'NHWC' }) });
    assert.equal(res.statusCode, 200, res.body);
    const ref = softmax(await reference(logitsModel, test10), 10).subarray(0, 10);
    assert.ok(maxDiff((res.json() as { predictions: { probabilities: number[] }[] }).predictions[0].probabilities, ref) < 1e-5);
  } finally {
    await s.close();
  }
});
