import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeForModel } from '../../src/image/index.js';
import { encodePng } from '../serve/helpers.js';
import { normalize as trainingNormalize } from '../../web/normalize.js';
import { preprocess as serverPreprocess } from '../../src/infer/preprocess.js';
import { nchwToNhwc as serverNchwToNhwc } from '../../src/infer/index.js';
import { softmax } from '../../src/infer/metrics/softmax.js';
import type { ServeModelInfo } from '../../src/serve/model.js';
import { toPredictions } from '../../src/infer/predictions.js';
import { Rng } from '../../src/util/rng.js';
// @ts-expect-error plain JS module shared with the browser page
import { preprocess, rgbaToPixels, summarize, toProbabilities } from '../../web/preprocess.js';
import * as shared from '../../web/normalize.js';

/** The page's preprocessing must be the server's, value for value. */

function info(over: Partial<ServeModelInfo>): ServeModelInfo {
  return {
    path: 'test.onnx',
    numClasses: 4,
    batchDim: null,
    classNames: ['a', 'b', 'c', 'd'],
    inputShape: [5, 4, 3],
    inputLayout: 'NHWC',
    normalization: { mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.3] },
    normalizationBaked: false,
    output: 'logits',
    temperature: 1.8,
    oodThreshold: { score: 'msp', threshold: 0.6 },
    metadata: {},
    ...over,
  };
}

const rng = new Rng(5);
const pixels = Float32Array.from({ length: 60 }, () => rng.next());

for (const variant of [{}, { inputLayout: 'NCHW' as const }, { normalizationBaked: true }, { inputShape: [6, 10, 1] as [number, number, number], normalization: { mean: [0.2], std: [0.3] } }, { inputScale: 255, normalization: { mean: [100, 120, 130], std: [50, 60, 70] } }, { inputScale: 255, inputLayout: 'NCHW' as const, normalization: null }]) {
  test(`preprocess equals the server's exactly: ${JSON.stringify(variant)}`, () => {
    const i = info(variant);
    const server = serverPreprocess(pixels, 1, i);
    const page = preprocess(Array.from(pixels), i) as { data: Float32Array; dims: number[] };
    assert.deepEqual(page.dims, server.dims);
    assert.deepEqual(Array.from(page.data), Array.from(server.data));
  });
}

test('RGBA → pixels equals the server decoder for gray and RGB models (luma, alpha)', async () => {
  const rgba = Uint8Array.from({ length: 20 * 4 }, (_, k) => (k % 7 === 0 ? 128 : rng.int(256)));
  for (let p = 0; p < 5; p++) rgba.fill(90, 4 * p, 4 * p + 3); // some exactly gray pixels
  // The same RGBA stored as a PNG and read by the image room at its own size (4x5: no resampling).
  const png = encodePng(Buffer.from(rgba), 4, 5, 6);
  for (const c of [1, 3]) assert.deepEqual(Array.from(rgbaToPixels(rgba, 20, c)), Array.from(await decodeForModel(png, [4, 5, c])));
});

test('probabilities after temperature, top-k and OOD flag equal the server', () => {
  const logits = Float32Array.from({ length: 4 }, () => rng.normal() * 3);
  for (const thr of [{ score: 'msp', threshold: 0.99 }, { score: 'msp', threshold: 0.01 }, null]) {
    const i = info({ oodThreshold: thr });
    const server = toPredictions(softmax(logits, 4), 1, i, 3).predictions[0];
    const page = summarize(toProbabilities(logits, i), i, 3);
    page.probabilities.forEach((p: number, k: number) => assert.ok(Math.abs(p - server.probabilities[k]) < 1e-7));
    assert.deepEqual(
      page.top.map((t: { index: number; label: string }) => [t.index, t.label]),
      server.top.map((t) => [t.index, t.label]),
    );
    assert.equal(page.ood, server.ood);
  }
  // A model that outputs probabilities is used as is.
  const probs = [0.1, 0.2, 0.3, 0.4];
  assert.deepEqual(toProbabilities(probs, info({ output: 'probabilities' })), probs);
});

test('training, inference and the page normalise with one implementation (web/normalize.js)', () => {
  assert.equal(trainingNormalize, shared.normalize);
  assert.equal(serverNchwToNhwc, shared.nchwToNhwc);
});
