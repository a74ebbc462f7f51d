/**
 * A model made elsewhere says nothing about how its pixels were normalised (issue 25 item 3), and
 * its input dims may read as either layout ([N, 3, 4, 4]: item 4). Fed raw 0-1 pixels, or read in
 * the wrong layout, it answers confidently and wrongly; so eval, calibrate, predict and serve
 * stop and ask, naming the flags, and the flags give onnxruntime's own answer.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { calibrateModel } from '../../src/infer/calibrate-model.js';
import { evaluate } from '../../src/infer/evaluate.js';
import { loadModelInfo } from '../../src/infer/model-overrides.js';
import { predict } from '../../src/infer/predict.js';
import { predictImages } from '../../src/infer/predict-images.js';
import { createRuntime } from '../../src/infer/runtimes/index.js';
import { createServer } from '../../src/serve/index.js';
import { Rng } from '../../src/util/rng.js';
import { writePng } from '../data/folder-fixtures.js';
import { writeIdxDataset } from './suites/fixtures.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'icmix-norm-required-'));
after(() => rmSync(root, { recursive: true, force: true }));
const model = path.join(root, 'torch.onnx');
const square = path.join(root, 'torch-3x4x4.onnx');
const ASK = /records no input normalisation.*pass the per-channel --mean and --std.*or --no-normalize/;

function python(args: string[]): void {
  const r = spawnSync('/usr/bin/python3', ['test/infer/fixtures/foreign_onnx.py', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, `foreign_onnx.py (needs Debian's python3-onnx): ${r.stderr}`);
}

before(() => {
  python([model, '--size', '8', '8', '--channels', '1', '--classes', '3', '--seed', '2']);
  python([square, '--size', '4', '4', '--channels', '3', '--classes', '3', '--seed', '2']);
});

test('no normalisation metadata and no flags: eval, calibrate, predict and serve stop and name the flags', async () => {
  const dataset = `idx:${await writeIdxDataset({ h: 8, w: 8, classes: 3, train: 30, test: 6 })}`;
  await assert.rejects(evaluate({ model, dataset, suites: ['id'] }), ASK);
  await assert.rejects(calibrateModel(model, { dataset }), ASK);
  const png = path.join(root, 'x.png');
  writePng(png, 8, 8, new Uint8Array(64).fill(90), true);
  await assert.rejects(predictImages(model, [png]), ASK);
  await assert.rejects(createServer({ model, web: false, port: 0 }), ASK);
  const cli = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'eval', model, '--dataset', dataset, '--suite', 'id', '--out', path.join(root, 'r')], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(cli.status, 1);
  assert.match(cli.stderr, ASK);
  // Stated either way, it runs.
  const ok = await evaluate({ model, dataset, suites: ['id'], overrides: { normalize: false } });
  assert.equal(ok.runtimes[0].suites.id!.n, 6);
  await assert.rejects(loadModelInfo(model, { normalize: false, mean: [0.5] }), /--no-normalize .* --mean\/--std .*one or the other/);
});

test('--no-normalize feeds the pixels as they are: onnxruntime on the raw tensor', async () => {
  const { info } = await loadModelInfo(model, { normalize: false });
  assert.equal(info.normalization, null);
  const rng = new Rng(1);
  const x = Float32Array.from({ length: 4 * 64 }, () => rng.next());
  const rt = await createRuntime('cpu', model, { info });
  const got = await predict(rt, info, x, 4);
  await rt.dispose();
  const s = await ort.InferenceSession.create(model);
  const want = (await s.run({ input: new ort.Tensor('float32', x, [4, 1, 8, 8]) })).output.data as Float32Array;
  await s.release();
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got.logits[i] - want[i]) < 1e-6);
});

test('an input [N, 3, 4, 4] reads as either layout: refused without --input-layout, right with it', async () => {
  await assert.rejects(loadModelInfo(square, { normalize: false }), /input \[batch_size,3,4,4\] reads either way \(NCHW: 3 channel\(s\) of 4x4; NHWC: 4 channel\(s\) of 3x4\).*--input-layout NCHW/);
  const { info } = await loadModelInfo(square, { normalize: false, inputLayout: 'NCHW' });
  assert.deepEqual(info.inputShape, [4, 4, 3]);
});
