import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PNG } from 'pngjs';
import { decodeImage, resizeBilinear, RESIZE_ALGORITHM } from '../../src/image/index.js';
import { rgbaToPixels as rgbaToFloat } from '../../web/preprocess.js';
import { createServer, type IcmixServer, type PredictResponse } from '../../src/serve/index.js';
import { makeTestModel, randomImages, type TestModel } from './fixtures.js';
import { assertClose, encodeJpeg, encodePng, parsePrometheus, startUpload, toRgba } from './helpers.js';

const TOL = 1e-5;

function nested(img: Float32Array, h: number, w: number, c: number): number[][][] {
  return Array.from({ length: h }, (_, y) => Array.from({ length: w }, (_, x) => Array.from(img.subarray((y * w + x) * c, (y * w + x + 1) * c))));
}

describe('icmix serve on a gray 28x28 model', () => {
  let m: TestModel;
  let s: IcmixServer;
  const predict = (payload: unknown, contentType = 'application/json', url = '/v1/predict') =>
    s.app.inject({ method: 'POST', url, headers: { 'content-type': contentType }, payload: payload as string });

  before(async () => {
    m = makeTestModel({ shape: [28, 28, 1], classes: 10, temperature: 1.5, oodThreshold: 0.5 });
    s = await createServer({ model: m.path, maxBatch: 8, maxWaitMs: 1, maxItems: 16, maxBody: 200_000, topK: 3 });
  });
  after(() => s.close());

  test('PNG bytes: probabilities after temperature equal the reference; top-k, confidence, ood', async () => {
    const x = randomImages(1, m.shape, 11);
    for (const colorType of [0, 2, 6] as const) {
      const res = await predict(encodePng(toRgba(x, 28, 28, 1), 28, 28, colorType), 'image/png');
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json() as PredictResponse;
      const ref = m.reference(x, 1)[0];
      const p = body.predictions[0];
      assertClose(p.probabilities, ref, TOL, `png colorType ${colorType}`);
      assert.ok(Math.abs(p.probabilities.reduce((a, v) => a + v, 0) - 1) < 1e-5);
      const order = ref.map((_, i) => i).sort((a, b) => ref[b] - ref[a]);
      assert.deepEqual(p.top.map((t) => t.index), order.slice(0, 3));
      assert.deepEqual(p.top.map((t) => t.label), order.slice(0, 3).map((i) => `class_${i}`));
      assert.equal(p.label, `class_${order[0]}`);
      assert.ok(Math.abs(p.confidence - ref[order[0]]) < TOL);
      assert.equal(p.ood, ref[order[0]] < 0.5);
      assert.deepEqual(body.ood, { score: 'msp', threshold: 0.5, tpr: 0.95 });
    }
  });

  test('colour PNG to a gray model uses BT.601 luma', async () => {
    const rgb = randomImages(1, [28, 28, 3], 12);
    const res = await predict(encodePng(toRgba(rgb, 28, 28, 3), 28, 28, 2), 'image/png');
    assert.equal(res.statusCode, 200, res.body);
    const gray = new Float32Array(784);
    for (let p = 0; p < 784; p++) {
      const [r, g, b] = [0, 1, 2].map((k) => Math.round(rgb[3 * p + k] * 255));
      gray[p] = (r === g && g === b ? r : 0.299 * r + 0.587 * g + 0.114 * b) / 255;
    }
    assertClose((res.json() as PredictResponse).predictions[0].probabilities, m.reference(gray, 1)[0], TOL, 'luma');
  });

  test('JPEG bytes: equal the reference on the decoded pixels', async () => {
    const x = randomImages(1, m.shape, 13);
    const bytes = encodeJpeg(toRgba(x, 28, 28, 1), 28, 28);
    const dec = await decodeImage(bytes);
    const gray = new Float32Array(784);
    for (let p = 0; p < 784; p++) {
      const [r, g, b] = [0, 1, 2].map((k) => dec.data[4 * p + k]);
      gray[p] = (r === g && g === b ? r : 0.299 * r + 0.587 * g + 0.114 * b) / 255;
    }
    const res = await predict(bytes, 'image/jpeg');
    assert.equal(res.statusCode, 200, res.body);
    assertClose((res.json() as PredictResponse).predictions[0].probabilities, m.reference(gray, 1)[0], TOL, 'jpeg');
  });

  test('an image of another size is resized with the page\'s resize (web/resize.js) before the model', async () => {
    for (const [h, w, colorType] of [[45, 37, 2], [13, 20, 0], [28, 56, 6]] as const) {
      const rgb = randomImages(1, [h, w, 3], 16 + h);
      const rgba = toRgba(rgb, h, w, 3);
      const res = await predict(encodePng(rgba, h, w, colorType), 'image/png');
      assert.equal(res.statusCode, 200, res.body);
      // What the PNG holds, resized on its RGBA bytes, then gray by luma: by hand from the primitives.
      const stored = PNG.sync.read(encodePng(rgba, h, w, colorType)).data;
      const small = resizeBilinear(stored, h, w, 4, 28, 28);
      const gray = rgbaToFloat(small, 784, 1);
      assertClose((res.json() as PredictResponse).predictions[0].probabilities, m.reference(gray, 1)[0], TOL, `${w}x${h} colour type ${colorType}`);
    }
  });

  test('JSON single image: [H][W][C], [H][W] and flat all give the reference', async () => {
    const x = randomImages(1, m.shape, 14);
    const ref = m.reference(x, 1)[0];
    const forms = {
      hwc: nested(x, 28, 28, 1),
      hw: Array.from({ length: 28 }, (_, y) => Array.from(x.subarray(y * 28, y * 28 + 28))),
      flat: Array.from(x),
    };
    for (const [name, inputs] of Object.entries(forms)) {
      const res = await predict({ inputs });
      assert.equal(res.statusCode, 200, `${name}: ${res.body}`);
      const body = res.json() as PredictResponse;
      assert.equal(body.predictions.length, 1);
      assertClose(body.predictions[0].probabilities, ref, TOL, name);
    }
  });

  test('JSON batch: [N][H][W][C] and [N][H*W*C], results in request order', async () => {
    const n = 5;
    const x = randomImages(n, m.shape, 15);
    const ref = m.reference(x, n);
    const one = (i: number) => x.subarray(i * 784, (i + 1) * 784);
    for (const inputs of [Array.from({ length: n }, (_, i) => nested(one(i), 28, 28, 1)), Array.from({ length: n }, (_, i) => Array.from(one(i)))]) {
      const res = await predict({ inputs });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json() as PredictResponse;
      assert.equal(body.predictions.length, n);
      body.predictions.forEach((p, i) => assertClose(p.probabilities, ref[i], TOL, `item ${i}`));
    }
    const topk = await predict({ inputs: [Array.from(one(0))] }, 'application/json', '/v1/predict?top_k=10');
    assert.equal((topk.json() as PredictResponse).predictions[0].top.length, 10);
  });

  const bad: [string, () => Promise<{ statusCode: number; json: () => unknown }>, number, string, RegExp][] = [
    ['not an image (png type, text body)', () => predict('hello, world', 'image/png'), 400, 'not_an_image', /not a PNG image/],
    ['corrupt PNG after a valid signature', () => predict(Buffer.concat([encodePng(toRgba(new Float32Array(784), 28, 28, 1), 28, 28).subarray(0, 40), Buffer.alloc(20)]), 'image/png'), 400, 'not_an_image', /not a valid PNG/],
    ['not an image (jpeg type, png body)', () => predict(encodePng(toRgba(new Float32Array(784), 28, 28, 1), 28, 28), 'image/jpeg'), 400, 'not_an_image', /JPEG/],
    ['wrong channels in JSON', () => predict({ inputs: nested(new Float32Array(784 * 3), 28, 28, 3) }), 400, 'wrong_shape', /inputs\[0\]\[0\] has length 3 but should have length 1/],
    ['wrong flat length', () => predict({ inputs: Array(783).fill(0) }), 400, 'wrong_shape', /length 783 but should have length 784/],
    ['value out of range', () => predict({ inputs: Array(784).fill(255) }), 400, 'bad_value', /must be in \[0, 1\]/],
    ['non-number value', () => predict({ inputs: [...Array(783).fill(0), 'x'] }), 400, 'bad_value', /finite numbers/],
    ['malformed JSON', () => predict('{"inputs": [1, 2', 'application/json'), 400, 'malformed_json', /not valid JSON/],
    ['empty JSON body', () => predict('', 'application/json'), 400, 'malformed_json', /empty/],
    ['JSON without inputs', () => predict({ images: [] }), 400, 'missing_inputs', /"inputs"/],
    ['too many items', () => predict({ inputs: Array.from({ length: 17 }, () => Array(784).fill(0)) }), 413, 'too_many_items', /17 images .* at most 16/],
    ['oversized body', () => predict(Buffer.alloc(300_000, 1), 'image/png'), 413, 'body_too_large', /larger than the server's limit of 200000 bytes/],
    ['unsupported content type', () => predict('abc', 'text/plain'), 415, 'unsupported_media_type', /image\/png, image\/jpeg, image\/webp, image\/gif, image\/tiff, image\/avif or application\/json/],
    ['bad top_k', () => predict({ inputs: Array(784).fill(0) }, 'application/json', '/v1/predict?top_k=0'), 400, 'bad_top_k', /top_k/],
  ];
  for (const [name, send, status, code, message] of bad) {
    test(`bad input → ${status}: ${name}; the server keeps serving`, async () => {
      const res = await send();
      assert.equal(res.statusCode, status);
      const body = res.json() as { error: { code: string; message: string } };
      assert.equal(body.error.code, code);
      assert.match(body.error.message, message);
      const ok = await predict({ inputs: Array(784).fill(0.5) });
      assert.equal(ok.statusCode, 200);
    });
  }

  test('GET /v1/model, /healthz and unknown routes', async () => {
    const res = await s.app.inject({ url: '/v1/model' });
    assert.equal(res.statusCode, 200);
    const doc = res.json();
    assert.deepEqual(doc.inputShape, [28, 28, 1]);
    assert.deepEqual(doc.classNames, m.classNames);
    assert.equal(doc.temperature, 1.5);
    assert.equal(doc.output, 'logits');
    assert.equal(doc.inputLayout, 'NHWC');
    assert.deepEqual(doc.normalization, { mean: [0.3], std: [0.25] });
    assert.deepEqual(doc.oodThreshold, { score: 'msp', threshold: 0.5, tpr: 0.95 });
    assert.equal(doc.serving.maxBatch, 8);
    assert.deepEqual(doc.resize, { algorithm: RESIZE_ALGORITHM, module: '/web/resize.js', to: { height: 28, width: 28 } });
    assert.match(doc.resize.algorithm, /^bilinear, half-pixel centres/);
    assert.equal(doc.metadata['icmix.temperature'], '1.5');
    assert.deepEqual((await s.app.inject({ url: '/healthz' })).json(), { status: 'ok', model: 'model.onnx', runtime: 'cpu' });
    const nf = await s.app.inject({ url: '/nope' });
    assert.equal(nf.statusCode, 404);
    assert.equal(nf.json().error.code, 'not_found');
    const traversal = await s.app.inject({ url: '/web/..%2Fpackage.json' });
    assert.equal(traversal.statusCode, 404);
  });

  test('GET /metrics: Prometheus text with request counts, latency and batch histograms, errors', async () => {
    const before = parsePrometheus((await s.app.inject({ url: '/metrics' })).body);
    const okKey = 'icmix_http_requests_total{method="POST",route="/v1/predict",status="200"}';
    const badKey = 'icmix_http_requests_total{method="POST",route="/v1/predict",status="400"}';
    await predict({ inputs: [Array(784).fill(0.1), Array(784).fill(0.2)] });
    await predict('garbage', 'image/png');
    const res = await s.app.inject({ url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
    const after = parsePrometheus(res.body);
    assert.equal(after.get(okKey)! - (before.get(okKey) ?? 0), 1);
    assert.equal(after.get(badKey)! - (before.get(badKey) ?? 0), 1);
    assert.equal(after.get('icmix_errors_total{code="not_an_image"}')! - (before.get('icmix_errors_total{code="not_an_image"}') ?? 0), 1);
    assert.equal(after.get('icmix_predicted_images_total')! - before.get('icmix_predicted_images_total')!, 2);
    const count = after.get('icmix_http_request_duration_seconds_count{route="/v1/predict"}')!;
    assert.equal(after.get('icmix_http_request_duration_seconds_bucket{route="/v1/predict",le="+Inf"}'), count);
    assert.ok(count >= 2);
    assert.equal(after.get('icmix_batch_size_count')! - before.get('icmix_batch_size_count')!, 1);
    assert.equal(after.get('icmix_batch_size_sum')! - before.get('icmix_batch_size_sum')!, 2);
    assert.match(res.body, /# TYPE icmix_http_request_duration_seconds histogram/);
    assert.match(res.body, /# TYPE icmix_queued_images gauge\nicmix_queued_images 0/);
  });
});

describe('channels, missing threshold, dynamic batching', () => {
  test('gray PNG to an RGB model repeats the channel; no OOD threshold → ood null and a note', async () => {
    const m = makeTestModel({ shape: [8, 8, 3], classes: 4, oodThreshold: null, normalization: { mean: [0.1, 0.2, 0.3], std: [0.5, 0.6, 0.7] } });
    const s = await createServer({ model: m.path, web: false });
    try {
      const g = randomImages(1, [8, 8, 1], 21);
      const res = await s.app.inject({ method: 'POST', url: '/v1/predict', headers: { 'content-type': 'image/png' }, payload: encodePng(toRgba(g, 8, 8, 1), 8, 8, 0) });
      assert.equal(res.statusCode, 200, res.body);
      const rgb = new Float32Array(8 * 8 * 3).map((_, i) => g[Math.floor(i / 3)]);
      const body = res.json() as PredictResponse;
      assertClose(body.predictions[0].probabilities, m.reference(rgb, 1)[0], TOL, 'gray→rgb');
      assert.equal(body.predictions[0].ood, null);
      assert.equal(body.ood, null);
      assert.match(body.note!, /no OOD threshold.*icmix calibrate/);
      assert.equal((await s.app.inject({ url: '/' })).statusCode, 404); // --no-web
    } finally {
      await s.close();
    }
  });

  test('--runtime web (onnxruntime-web wasm in Node) gives the same probabilities', async () => {
    const m = makeTestModel({ shape: [6, 6, 1], classes: 3 });
    const s = await createServer({ model: m.path, runtime: 'web', threads: 1, web: false });
    try {
      const x = randomImages(3, m.shape, 33);
      const res = await s.app.inject({ method: 'POST', url: '/v1/predict', payload: { inputs: [0, 1, 2].map((i) => Array.from(x.subarray(i * 36, (i + 1) * 36))) } });
      assert.equal(res.statusCode, 200, res.body);
      const ref = m.reference(x, 3);
      (res.json() as PredictResponse).predictions.forEach((p, i) => assertClose(p.probabilities, ref[i], TOL, `web ${i}`));
      assert.equal((await s.app.inject({ url: '/healthz' })).json().runtime, 'web');
    } finally {
      await s.close();
    }
  });

  test('concurrent requests are merged into one model call and split back in order', async () => {
    const m = makeTestModel({ shape: [6, 6, 1], classes: 3 });
    // A long wait makes the batch run only when it is full: 8 requests → exactly one model call.
    const s = await createServer({ model: m.path, maxBatch: 8, maxWaitMs: 60_000, web: false });
    try {
      const x = randomImages(8, m.shape, 31);
      const ref = m.reference(x, 8);
      const res = await Promise.all(
        Array.from({ length: 8 }, (_, i) => s.app.inject({ method: 'POST', url: '/v1/predict', payload: { inputs: Array.from(x.subarray(i * 36, (i + 1) * 36)) } })),
      );
      res.forEach((r, i) => {
        assert.equal(r.statusCode, 200);
        assertClose((r.json() as PredictResponse).predictions[0].probabilities, ref[i], TOL, `request ${i}`);
      });
      assert.deepEqual(s.metrics.batchSize.get(), { count: 1, sum: 8 });
      assert.deepEqual(s.metrics.batchRequests.get(), { count: 1, sum: 8 });
    } finally {
      await s.close();
    }
  });

  test('with batching off (max batch 1) every request is its own model call', async () => {
    const m = makeTestModel({ shape: [6, 6, 1], classes: 3 });
    const s = await createServer({ model: m.path, maxBatch: 1, web: false });
    try {
      const x = randomImages(8, m.shape, 32);
      const ref = m.reference(x, 8);
      const res = await Promise.all(
        Array.from({ length: 8 }, (_, i) => s.app.inject({ method: 'POST', url: '/v1/predict', payload: { inputs: Array.from(x.subarray(i * 36, (i + 1) * 36)) } })),
      );
      res.forEach((r, i) => assertClose((r.json() as PredictResponse).predictions[0].probabilities, ref[i], TOL, `request ${i}`));
      assert.deepEqual(s.metrics.batchSize.get(), { count: 8, sum: 8 });
    } finally {
      await s.close();
    }
  });

  test('graceful shutdown: a request still uploading when close() starts gets its answer; then the port is closed', async () => {
    const m = makeTestModel({ shape: [6, 6, 1], classes: 3 });
    const s = await createServer({ model: m.path, port: 0, web: false });
    const url = new URL(await s.listen());
    const x = randomImages(1, m.shape, 41);
    const body = Buffer.from(JSON.stringify({ inputs: Array.from(x) }));
    const gotRequest = new Promise((r) => s.app.server.once('request', r));
    const { req, response } = startUpload(url, body);
    req.write(body.subarray(0, 20));
    await gotRequest; // the server has the headers; the body is half sent
    const closed = s.close();
    req.end(body.subarray(20));
    const res = await response;
    await closed;
    assert.equal(res.status, 200, res.text);
    assertClose((JSON.parse(res.text) as PredictResponse).predictions[0].probabilities, m.reference(x, 1)[0], TOL, 'in-flight');
    await assert.rejects(fetch(`${url.origin}/healthz`), /fetch failed/);
  });
});
