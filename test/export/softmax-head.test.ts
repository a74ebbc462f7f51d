/**
 * A model that ends in softmax gets softmax once (issue 13 item 1). A user's own tfjs model (built
 * here, not from icmix's zoo) whose last layer applies softmax exports real logits, and what eval
 * and serve report is tfjs's own softmax output; an ONNX graph from elsewhere that ends in
 * Softmax is read as probabilities, not softmaxed again.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { exportOnnx, readOnnxMetadata } from '../../src/export/index.js';
import { findTrailingSoftmax, logitsModel } from '../../src/run/softmax-head.js';
import { modelInfoFromBytes } from '../../src/infer/model-info.js';
import { predict, predictProbabilities } from '../../src/infer/predict.js';
import { createRuntime } from '../../src/infer/runtimes/index.js';
import { DataType, encodeModel } from '../../src/onnx/index.js';
import { META } from '../../src/types.js';
import { checkAllWritten, cpuBackend, exportAndCheck, pixels, randomizeWeights } from './helpers.js';

type ST = tfl.SymbolicTensor;
const L = tfl.layers;
const SHAPE = [6, 6, 1];
const N = 5;
const DIR = mkdtempSync(path.join(tmpdir(), 'icmix-softmax-head-'));

before(cpuBackend);

/** conv -> flatten -> dense(3) features and the head given, as a functional model; also its pre-softmax tensor. */
function userModel(head: 'dense' | 'softmax-layer' | 'activation-layer', seed: number): { model: tfl.LayersModel; logitsAt: tfl.LayersModel; denseHead?: tfl.layers.Layer } {
  const x = tfl.input({ shape: SHAPE });
  const h = L.flatten().apply(L.conv2d({ filters: 2, kernelSize: 3, activation: 'relu' }).apply(x)) as ST;
  if (head === 'dense') {
    const dense = L.dense({ units: 3, activation: 'softmax' });
    const model = tfl.model({ inputs: x, outputs: dense.apply(h) as ST });
    randomizeWeights(model, seed);
    // Scale up so the softmax is far from uniform and a second softmax visibly flattens it.
    const [k, b] = dense.getWeights();
    dense.setWeights([tf.mul(k, 3), b]);
    return { model, logitsAt: tfl.model({ inputs: x, outputs: h }), denseHead: dense };
  }
  const z = L.dense({ units: 3 }).apply(h) as ST;
  const last = head === 'softmax-layer' ? L.softmax({}) : L.activation({ activation: 'softmax' });
  const model = tfl.model({ inputs: x, outputs: last.apply(z) as ST });
  randomizeWeights(model, seed);
  return { model, logitsAt: tfl.model({ inputs: x, outputs: z }) };
}

/** The model's pre-softmax logits, computed without icmix's stripping code. */
function referenceLogits(u: ReturnType<typeof userModel>, images: Float32Array): Float32Array {
  return tf.tidy(() => {
    const feats = u.logitsAt.predict(tf.tensor(images, [N, ...SHAPE])) as tf.Tensor;
    if (!u.denseHead) return feats.dataSync() as Float32Array;
    const [k, b] = u.denseHead.getWeights();
    return tf.add(tf.matMul(feats, k), b).dataSync() as Float32Array;
  });
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

after(() => {
  for (const l of checkAllWritten()) assert.ok(l.ok);
});

describe('a tfjs model whose last layer is softmax', () => {
  for (const head of ['dense', 'softmax-layer', 'activation-layer'] as const) {
    test(`${head}: the graph outputs its logits, and eval/serve report tfjs's own probabilities`, async () => {
      const u = userModel(head, 3);
      assert.ok(findTrailingSoftmax(u.model), 'the trailing softmax is found');
      const images = pixels(N, SHAPE, 11);
      const tfProbs = tf.tidy(() => (u.model.predict(tf.tensor(images, [N, ...SHAPE])) as tf.Tensor).dataSync() as Float32Array);
      const logits = referenceLogits(u, images);

      // Export (and the exporter's own ORT-vs-tfjs check against the stripped model).
      const { bytes } = await exportAndCheck(`softmax_head_${head}`, u.model);
      const meta = readOnnxMetadata(bytes);
      assert.equal(meta[META.softmaxStripped], 'true');
      assert.equal(meta[META.output], 'logits');

      const file = path.join(DIR, `${head}.onnx`);
      writeFileSync(file, bytes);
      const info = modelInfoFromBytes(bytes, file);
      assert.equal(info.output, 'logits');
      const rt = await createRuntime('cpu', file, { info });
      try {
        const res = await predict(rt, info, images, N);
        assert.ok(maxDiff(res.logits, logits) < 1e-5, `ORT logits = tfjs pre-softmax logits (max diff ${maxDiff(res.logits, logits)})`);
        // What eval and serve report: tfjs's softmax output, not softmax(softmax(z)).
        assert.ok(maxDiff(res.probs, tfProbs) < 1e-6, `eval probabilities = tfjs softmax (max diff ${maxDiff(res.probs, tfProbs)})`);
        const served = await predictProbabilities(rt, info, images, N);
        assert.ok(maxDiff(served, tfProbs) < 1e-6, 'served probabilities = tfjs softmax');
        // The test is not vacuous: softmax twice would move the top probability well beyond 1e-6.
        const twice = tf.tidy(() => tf.softmax(tf.tensor(tfProbs, [N, 3])).dataSync() as Float32Array);
        assert.ok(maxDiff(twice, tfProbs) > 1e-2);
      } finally {
        await rt.dispose();
      }
    });
  }

  test('logitsModel strips a softmax inside a nested Sequential and keeps the weights', async () => {
    const inner = tfl.sequential({ layers: [L.dense({ inputShape: [4], units: 5, activation: 'relu' }), L.dense({ units: 3, activation: 'softmax' })] });
    const x = tfl.input({ shape: [4] });
    const outer = tfl.model({ inputs: x, outputs: inner.apply(x) as ST });
    randomizeWeights(outer, 5);
    const found = findTrailingSoftmax(outer);
    assert.deepEqual(found?.path, [inner.name, inner.layers[1].name]);
    const stripped = await logitsModel(outer);
    const xs = tf.tensor(pixels(3, [4], 2), [3, 4]);
    const z = stripped.predict(xs) as tf.Tensor;
    const p = outer.predict(xs) as tf.Tensor;
    assert.ok(maxDiff(tf.softmax(z).dataSync(), p.dataSync()) < 1e-6);
    assert.equal(findTrailingSoftmax(stripped), null);
    assert.ok(findTrailingSoftmax(outer), 'the original model is untouched');
  });

  test('a softmax in the middle, or over another axis, is not stripped', () => {
    const x = tfl.input({ shape: [6] });
    const mid = tfl.model({ inputs: x, outputs: L.dense({ units: 3 }).apply(L.softmax({}).apply(x)) as ST });
    assert.equal(findTrailingSoftmax(mid), null);
    assert.equal(readOnnxMetadata(exportOnnx(mid))[META.softmaxStripped], undefined);
    const img = tfl.input({ shape: [3, 3, 2] });
    const spatial = tfl.model({ inputs: img, outputs: L.softmax({ axis: 1 }).apply(img) as ST });
    assert.equal(findTrailingSoftmax(spatial), null);
  });
});

describe('an ONNX model from elsewhere', () => {
  /** Flatten -> MatMul -> Softmax on [N, 2, 2, 1] images, metadata as given. */
  function foreign(metadata: Record<string, string>): { bytes: Uint8Array; w: Float32Array } {
    const w = Float32Array.from({ length: 4 * 3 }, (_, i) => ((i * 7) % 5) - 2);
    const tensor = (name: string, dims: (number | string)[]) => ({
      name,
      type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
    });
    const bytes = encodeModel({
      irVersion: 7,
      opsetImport: [{ domain: '', version: 13 }],
      producerName: 'elsewhere',
      graph: {
        name: 'foreign',
        node: [
          { opType: 'Flatten', input: ['x'], output: ['f'], name: 'flatten' },
          { opType: 'MatMul', input: ['f', 'w'], output: ['z'], name: 'fc' },
          { opType: 'Softmax', input: ['z'], output: ['prob'], name: 'softmax', attribute: [{ name: 'axis', type: 2, i: -1 }] },
        ],
        initializer: [{ name: 'w', dims: [4, 3], dataType: DataType.FLOAT, rawData: new Uint8Array(w.buffer) }],
        input: [tensor('x', ['N', 2, 2, 1])],
        output: [tensor('prob', ['N', 3])],
      },
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    });
    return { bytes, w };
  }

  test('a graph ending in Softmax is read as probabilities and not softmaxed twice', async () => {
    const { bytes, w } = foreign({});
    const file = path.join(DIR, 'foreign.onnx');
    writeFileSync(file, bytes);
    const info = modelInfoFromBytes(bytes, file);
    assert.equal(info.output, 'probabilities');
    const images = pixels(N, [2, 2, 1], 4);
    const want = tf.tidy(() => tf.softmax(tf.matMul(tf.tensor(images, [N, 4]), tf.tensor(w, [4, 3]))).dataSync() as Float32Array);
    const rt = await createRuntime('cpu', file, { info });
    try {
      assert.ok(maxDiff((await predict(rt, info, images, N)).probs, want) < 1e-6);
      assert.ok(maxDiff(await predictProbabilities(rt, info, images, N), want) < 1e-6);
    } finally {
      await rt.dispose();
    }
  });

  test('metadata that calls a Softmax output logits is refused with the fix', () => {
    const { bytes } = foreign({ [META.output]: 'logits' });
    assert.throws(() => modelInfoFromBytes(bytes, 'old.onnx'), /old\.onnx: metadata icmix\.output says logits but the graph's last node is a Softmax.*re-export/);
    assert.equal(modelInfoFromBytes(foreign({ [META.output]: 'probabilities' }).bytes, 'p.onnx').output, 'probabilities');
  });
});
