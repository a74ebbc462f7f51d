/**
 * JSON pixel arrays in the layout the client says (issue 25 item 4). A PyTorch user flattens a
 * CHW tensor; read as HWC it is another image, and a model exported at a fixed batch of 1 with
 * ImageNet normalisation answered it confidently wrong. A flat array of a multi-channel model is
 * refused without "layout"; a nested one is read in the only layout its shape fits.
 * The reference is onnxruntime on the hand-normalised NCHW tensor.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { softmax } from '../../src/infer/metrics/index.js';
import { createServer } from '../../src/serve/index.js';
import { Rng } from '../../src/util/rng.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'icmix-json-layout-'));
after(() => rmSync(root, { recursive: true, force: true }));
const model = path.join(root, 'torch-b1.onnx');
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];
const [H, W, C, K] = [28, 28, 3, 10];

before(() => {
  const r = spawnSync('/usr/bin/python3', ['test/infer/fixtures/foreign_onnx.py', model, '--size', '28', '28', '--channels', '3', '--classes', '10', '--batch', '1', '--seed', '9'], { encoding: 'utf8' });
  assert.equal(r.status, 0, `foreign_onnx.py (needs Debian's python3-onnx): ${r.stderr}`);
});

test('a flat CHW array needs "layout"; with it, and as a nested [C][H][W] array, the answer is onnxruntime\'s', async () => {
  const rng = new Rng(4);
  const chw = Float32Array.from({ length: C * H * W }, () => rng.next());
  const x = chw.map((v, i) => (v - MEAN[Math.floor(i / (H * W))]) / STD[Math.floor(i / (H * W))]);
  const sess = await ort.InferenceSession.create(model);
  const want = softmax((await sess.run({ input: new ort.Tensor('float32', x, [1, C, H, W]) })).output.data as Float32Array, K);
  await sess.release();

  const s = await createServer({ model, web: false, overrides: { mean: MEAN, std: STD } });
  try {
    const post = (body: object) => s.app.inject({ method: 'POST', url: '/v1/predict', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    const flat = Array.from(chw);
    const refused = await post({ inputs: flat });
    assert.equal(refused.statusCode, 400, refused.body);
    assert.equal(refused.json().error.code, 'layout_required');
    assert.match(refused.json().error.message, /"layout": "NCHW"/);
    const nested = Array.from({ length: C }, (_, ch) => Array.from({ length: H }, (_, y) => Array.from(chw.subarray(ch * H * W + y * W, ch * H * W + (y + 1) * W))));
    for (const body of [{ inputs: flat, layout: 'NCHW' }, { inputs: [flat], layout: 'NCHW' }, { inputs: nested }, { inputs: [nested] }]) {
      const res = await post(body);
      assert.equal(res.statusCode, 200, res.body);
      const got = res.json().predictions[0].probabilities as number[];
      for (let k = 0; k < K; k++) assert.ok(Math.abs(got[k] - want[k]) < 1e-5, `class ${k}: ${got[k]} vs ${want[k]}`);
    }
    // The same pixels in NHWC order give the same answer.
    const hwc = new Array<number>(C * H * W);
    for (let ch = 0; ch < C; ch++) for (let p = 0; p < H * W; p++) hwc[p * C + ch] = chw[ch * H * W + p];
    const res = await post({ inputs: hwc, layout: 'NHWC' });
    assert.ok(Math.abs(res.json().predictions[0].probabilities[0] - want[0]) < 1e-5);
    assert.equal((await post({ inputs: flat, layout: 'CHW' })).json().error.code, 'bad_layout');

    const doc = (await s.app.inject({ method: 'GET', url: '/v1/model' })).json();
    assert.equal(doc.jsonLayout.default, 'NHWC');
    assert.match(doc.jsonLayout.rule, /flat array.*needs "layout"/);
    const api = (await s.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const schema = api.paths['/v1/predict'].post.requestBody.content['application/json'].schema;
    assert.deepEqual(schema.properties.layout.enum, ['NHWC', 'NCHW']);
  } finally {
    await s.close();
  }
});

test('a nested image that fits both layouts ([3][3][3]) is not guessed', async () => {
  const cube = path.join(root, 'cube.onnx');
  const r = spawnSync('/usr/bin/python3', ['test/infer/fixtures/foreign_onnx.py', cube, '--size', '3', '3', '--channels', '3', '--classes', '2'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const s = await createServer({ model: cube, web: false, overrides: { normalize: false, inputLayout: 'NCHW' } });
  try {
    const img = [0, 1, 2].map(() => [0, 1, 2].map(() => [0.1, 0.2, 0.3]));
    const res = await s.app.inject({ method: 'POST', url: '/v1/predict', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ inputs: img }) });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'layout_required');
  } finally {
    await s.close();
  }
});
