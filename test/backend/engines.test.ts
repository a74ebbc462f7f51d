import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/select.js';
import { createMethod, listMethods } from '../../src/train/methods/index.js';
import { buildModel } from '../../src/train/models/index.js';
import type { ImageShape } from '../../src/types.js';
import { Rng } from '../../src/util/rng.js';
import { enginesHere } from './engines-here.js';
import { relDiff } from './rel-diff.js';

// Every model and every method on every installed engine: the loss and each weight's gradient
// equal the cpu backend's (tfjs-layers' own unfused path, nothing of icmix's installed) within
// 1e-4 of the gradient's scale, and so do the BatchNorm moving statistics after the step. A
// gradient that is zero in exact arithmetic (the output bias under the pair-axis loss alone: it
// shifts a column of S by a constant, which its softmax ignores) has no scale of its own and is
// held to 1e-4 of the model's largest gradient.
//
// webgpu (float32 shaders with their own reduction order) is held to the same 1e-4, on 8x8
// images in batches of 6: measured worst 1.7e-6 on lavapipe (1.6e-6 at the 12x12 shapes), so no
// looser tolerance is needed. These shapes cost about 10 s on lavapipe instead of about 60 s.

const SHAPE: ImageShape = [12, 12, 1];
const B = 8;
// webgpu runs on lavapipe in CI: smaller images and batch keep its cost down (see below).
const GPU_SHAPE: ImageShape = [8, 8, 1];
const GPU_B = 6;
const C = 10;
const MODELS = ['mlp', 'cnn', 'resnet8'];

interface Result {
  loss: number;
  grads: Float32Array[];
  stats: Float32Array[];
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

async function lossAndGrads(modelName: string, methodName: string, SHAPE: ImageShape, B: number): Promise<Result> {
  const model = buildModel(modelName, SHAPE, C, { seed: 3, width: 0.5 });
  const rng = new Rng(21);
  const images = Float32Array.from({ length: B * SHAPE[0] * SHAPE[1] }, () => rng.normal());
  const labels = Int32Array.from({ length: B }, (_, i) => (i * 3) % C);
  const counts = Array.from({ length: C }, (_, c) => 40 - 3 * c);
  const method = createMethod(methodName, { kappa: 3, tau: 0.5, lambdaMode: 'batch' }, { numClasses: C, classCounts: counts });
  const draw = method.draw(B, SHAPE, new Rng(5));
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const forward = (x: tf.Tensor4D) => model.apply(x, { training: true }) as tf.Tensor2D;
  const x = tf.tensor4d(images, [B, ...SHAPE]);
  const y = tf.tensor1d(labels, 'int32');
  const { value, grads } = tf.variableGrads(() => method.loss(forward, x, y, draw), vars);
  const out = {
    // Asynchronous reads: webgpu in Node cannot read a GPU buffer synchronously.
    loss: (await value.data())[0],
    grads: (await Promise.all(vars.map((v) => grads[v.name].data()))) as Float32Array[],
    stats: (await Promise.all(model.nonTrainableWeights.map((w) => w.read().data()))) as Float32Array[],
  };
  tf.dispose([x, y, value, ...Object.values(grads)]);
  model.dispose();
  return out;
}

for (const { name, skip } of (await enginesHere()).filter((e) => e.name !== 'cpu')) {
  test(`${name} engine: every model's and method's loss, gradients and BN statistics equal cpu's (max relative difference < 1e-4)`, { skip }, async (t) => {
    let worst = 0;
    for (const modelName of MODELS) {
      for (const methodName of listMethods()) {
        await useBackend('cpu');
        const [shape, b] = name === 'webgpu' ? [GPU_SHAPE, GPU_B] : [SHAPE, B];
        const ref = await lossAndGrads(modelName, methodName, shape, b);
        await useBackend(name);
        const got = await lossAndGrads(modelName, methodName, shape, b);
        const where = `${name} ${modelName} ${methodName}`;
        assert.ok(Number.isFinite(ref.loss), `${where}: reference loss ${ref.loss}`);
        const dl = Math.abs(got.loss - ref.loss) / Math.max(1e-12, Math.abs(ref.loss));
        assert.ok(dl < 1e-4, `${where}: loss ${got.loss} vs cpu ${ref.loss}`);
        assert.equal(got.grads.length, ref.grads.length);
        const modelScale = Math.max(...ref.grads.map((g) => g.reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
        got.grads.forEach((g, i) => {
          const own = ref.grads[i].reduce((m, v) => Math.max(m, Math.abs(v)), 0);
          const d = own >= 1e-3 * modelScale ? relDiff(g, ref.grads[i]) : maxAbsDiff(g, ref.grads[i]) / modelScale;
          worst = Math.max(worst, d);
          assert.ok(d < 1e-4, `${where}: gradient ${i} relative difference ${d}`);
        });
        got.stats.forEach((s, i) => assert.ok(relDiff(s, ref.stats[i]) < 1e-4, `${where}: BN statistic ${i} relative difference ${relDiff(s, ref.stats[i])}`));
      }
    }
    t.diagnostic(`${name}: worst gradient relative difference against cpu ${worst.toExponential(2)}`);
  });
}
