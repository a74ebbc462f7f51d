import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { useBackend } from '../../src/backend/select.js';
import { normalize } from '../../web/normalize.js';
import { exportOnnx, exportRun, verifyOnnx } from '../../src/export/index.js';
import { parityResult } from '../../src/infer/metrics/parity.js';
import { readModelInfo } from '../../src/infer/model-info.js';
import { predictRaw } from '../../src/infer/predict.js';
import { createRuntime } from '../../src/infer/runtimes/index.js';
import { tfjsReference } from '../../src/infer/runtimes/tfjs.js';
import { buildModel } from '../../src/train/models/index.js';
import { loadRunModel } from '../../src/run/folder.js';
import { saveLayersModel } from '../../src/run/model-io.js';
import { IcmixError } from '../../src/util/errors.js';
import { randomImages, tinyRunDir } from '../infer/runtimes/tiny-model.js';

/** Export verification runs through eval's code: the registry's runtimes, preprocessing and parity metrics. */

const shape: [number, number, number] = [8, 8, 3];
// std 0.2 is where (x - m) / s and training's (x - m) * (1 / s) round to different float32s.
const norm = { mean: [0.4, 0.5, 0.3], std: [0.2, 0.25, 0.3] };

test("verification's numbers are eval's: cpu vs tfjs runtimes from the registry, parity metrics", async () => {
  await useBackend('cpu');
  const { runDir } = await tinyRunDir({ shape, classes: 4, normalization: norm });
  await saveLayersModel(buildModel('cnn', shape, 4, { seed: 5, width: 0.25 }), path.join(runDir, 'model'));
  const images = randomImages(6, shape, 13);
  for (const variant of [{}, { inputLayout: 'nchw', bakeNormalization: true, probabilities: true, temperature: 1.7 }] as const) {
    const out = path.join(runDir, `v${Object.keys(variant).length}.onnx`);
    await exportRun(runDir, { ...variant, out, verify: false });
    const bytes = new Uint8Array(await fs.readFile(out));
    const { model } = await loadRunModel(runDir);
    const v = await verifyOnnx(model, bytes, { ...variant, normalization: norm, samples: 3, images: { data: images, n: 6 } });
    model.dispose();
    assert.ok(v.passed, JSON.stringify(v));
    const real = v.sets.find((s) => s.name === 'real')!;

    // What `icmix eval --runtimes cpu,tfjs` computes on the same images.
    const info = await readModelInfo(out);
    const raw: Float32Array[] = [];
    for (const name of ['cpu', 'tfjs'] as const) {
      const rt = await createRuntime(name, out, { info, backend: 'cpu' });
      raw.push(await predictRaw(rt, info, images, 6));
      await rt.dispose();
    }
    const p = parityResult('cpu', raw[0], 'tfjs', raw[1], 4, 'id');
    assert.equal(real.maxAbsDiff, p.maxAbsDiff, `${JSON.stringify(variant)}: verify ${real.maxAbsDiff} vs eval ${p.maxAbsDiff}`);
    assert.equal(real.top1Agreement, p.top1Agreement);
  }
});

test('the tfjs reference feeds a baked model training-normalised pixels, bit for bit', async () => {
  await useBackend('cpu');
  const model = buildModel('mlp', shape, 4, { seed: 2 });
  // Every 8-bit pixel value, as real images hold them.
  const n = 4;
  const pixels = Float32Array.from({ length: n * 8 * 8 * 3 }, (_, i) => (i % 256) / 255);
  const trained = normalize(pixels, shape, norm);
  const divided = pixels.map((x, i) => (x - norm.mean[i % 3]) / norm.std[i % 3]);
  assert.ok(divided.some((v, i) => v !== trained[i]), 'dividing by std rounds some pixels differently (the test needs such a case)');
  const ref = tfjsReference(model, { inputLayout: 'NHWC', inputShape: shape, fed: null, trained: norm, output: 'logits', temperature: 1 }, 'test');
  const got = await ref.run(pixels, [n, ...shape]);
  const want = tf.tidy(() => (model.predict(tf.tensor4d(trained, [n, ...shape])) as tf.Tensor).dataSync() as Float32Array);
  assert.deepEqual(Array.from(got.data), Array.from(want));
  await ref.dispose();
  model.dispose();
});

test('the cpu runtime takes in-memory bytes and names a wrong number of inputs', async () => {
  await useBackend('cpu');
  const model = buildModel('mlp', shape, 3, { seed: 1 });
  const rt = await createRuntime('cpu', 'the exported model', { bytes: exportOnnx(model) });
  const x = randomImages(2, shape, 1);
  const y = await rt.run(x, [2, ...shape]);
  assert.deepEqual(y.dims, [2, 3]);
  await assert.rejects(rt.runInputs!([{ data: x, dims: [2, ...shape] }, { data: x, dims: [2, ...shape] }]), (e: Error) => e instanceof IcmixError && /has 1 inputs \(input\) but 2 were fed/.test(e.message));
  await rt.dispose();
  model.dispose();
});

test('verification refuses a normalisation for a model without one image input', async () => {
  const tfl = await import('@tensorflow/tfjs-layers');
  const x = tfl.input({ shape: [5] });
  const m = tfl.model({ inputs: x, outputs: tfl.layers.dense({ units: 2 }).apply(x) as never });
  await assert.rejects(verifyOnnx(m, exportOnnx(m), { normalization: { mean: [0], std: [1] } }), /normalises one image input \[H, W, C\]; this model's inputs are \[5\]/);
  m.dispose();
});
