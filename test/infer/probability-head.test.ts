/**
 * Probability heads a PyTorch export writes (issue 25 item 2): `softmax(x).clamp(min=1e-7)` ends
 * Softmax -> Clip, and a softmax written out (Exp, ReduceSum, Div) has no Softmax node at all.
 * Read as logits, softmax is applied twice: confidences, ECE and NLL all wrong, accuracy right.
 * The reference is onnxruntime's own output on a hand-normalised NCHW tensor.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { encodeCifarRecords, loadDataset, type ImageSet } from '../../src/data/index.js';
import { evaluate } from '../../src/infer/evaluate.js';
import { ece } from '../../src/infer/metrics/index.js';
import { loadModelInfo } from '../../src/infer/model-overrides.js';
import { createServer } from '../../src/serve/index.js';
import { Rng } from '../../src/util/rng.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'icmix-probhead-'));
after(() => rmSync(root, { recursive: true, force: true }));

const MEAN = [0.49, 0.48, 0.45];
const STD = [0.25, 0.24, 0.26];
const clipModel = path.join(root, 'softmax-clip.onnx');
const manualModel = path.join(root, 'manual-softmax.onnx');
const cifarDir = path.join(root, 'cifar');
let test10: ImageSet;

function python(args: string[]): void {
  const r = spawnSync('/usr/bin/python3', ['test/infer/fixtures/foreign_onnx.py', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, `foreign_onnx.py (needs Debian's python3-onnx): ${r.stderr}`);
}

async function reference(model: string, set: ImageSet): Promise<Float32Array> {
  const n = set.labels.length;
  const x = new Float32Array(n * 3 * 32 * 32);
  for (let i = 0; i < n; i++) for (let ch = 0; ch < 3; ch++) for (let p = 0; p < 1024; p++) x[(i * 3 + ch) * 1024 + p] = (set.images[(i * 1024 + p) * 3 + ch] - MEAN[ch]) / STD[ch];
  const s = await ort.InferenceSession.create(model);
  const out = (await s.run({ input: new ort.Tensor('float32', x, [n, 3, 32, 32]) })).output.data as Float32Array;
  await s.release();
  return Float32Array.from(out);
}

before(async () => {
  // Large weights: confident predictions, so softmax applied twice is far from the truth.
  python([clipModel, '--size', '32', '32', '--channels', '3', '--classes', '10', '--seed', '5', '--softmax', '--clip']);
  python([manualModel, '--size', '32', '32', '--channels', '3', '--classes', '10', '--seed', '5', '--manual-softmax']);
  await fs.mkdir(cifarDir, { recursive: true });
  const rng = new Rng(3);
  const batch = (n: number) => encodeCifarRecords(Uint8Array.from({ length: n * 32 * 32 * 3 }, () => rng.int(256)), [Array.from({ length: n }, () => rng.int(10))]);
  for (let b = 1; b <= 5; b++) await fs.writeFile(path.join(cifarDir, `data_batch_${b}.bin`), batch(2));
  await fs.writeFile(path.join(cifarDir, 'test_batch.bin'), batch(40));
  test10 = (await loadDataset('cifar10', { dir: cifarDir })).test;
});

test('Softmax -> Clip is a probability head: eval reports the ECE of its own probabilities', async () => {
  const { info } = await loadModelInfo(clipModel, { mean: MEAN, std: STD });
  assert.equal(info.output, 'probabilities');
  const ref = await reference(clipModel, test10);
  const report = await evaluate({ model: clipModel, dataset: 'cifar10', dataDir: cifarDir, suites: ['id'], overrides: { mean: MEAN, std: STD } });
  const id = report.runtimes[0].suites.id!;
  assert.ok(Math.abs(id.ece - ece(ref, test10.labels, 10, 15)) < 1e-6, `ECE ${id.ece} vs ${ece(ref, test10.labels, 10, 15)} from the model's own probabilities`);
});

test('a probability head the graph does not name is refused without --output, and read right with it', async () => {
  await assert.rejects(
    evaluate({ model: manualModel, dataset: 'cifar10', dataDir: cifarDir, suites: ['id'], overrides: { mean: MEAN, std: STD } }),
    /look like probabilities.*Pass --output probabilities/,
  );
  await assert.rejects(createServer({ model: manualModel, web: false, port: 0, overrides: { mean: MEAN, std: STD } }), /--output probabilities/);
  const ref = await reference(manualModel, test10);
  const report = await evaluate({ model: manualModel, dataset: 'cifar10', dataDir: cifarDir, suites: ['id'], overrides: { mean: MEAN, std: STD, output: 'probabilities' } });
  assert.ok(Math.abs(report.runtimes[0].suites.id!.ece - ece(ref, test10.labels, 10, 15)) < 1e-6);
});
