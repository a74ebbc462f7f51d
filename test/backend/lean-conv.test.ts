/**
 * The lean Conv2D training call (src/backend/fused/lean-conv.ts): the same weight gradients as
 * tfjs-layers' own fused call on whole models, the first conv's unused input gradient no longer
 * computed, and convs with a bias or an activation left on tfjs's path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '../../src/backend/select.js';
import { installLeanConv, uninstallLeanConv, leanConvInstalled } from '../../src/backend/fused/lean-conv.js';
import { buildModel } from '../../src/train/models/index.js';
import { Rng } from '../../src/util/rng.js';
import { relDiff } from './rel-diff.js';


/** Weight gradients of sum(model(x) * w) in training, and how often each kernel ran. */
async function gradsAndKernels(model: tfl.LayersModel, x: tf.Tensor, w: tf.Tensor) {
  const vars = model.trainableWeights.map((v) => v.read() as tf.Variable);
  const grads: Float32Array[] = [];
  const profile = await tf.profile(() => {
    const { grads: g } = tf.variableGrads(() => tf.sum(tf.mul(model.apply(x, { training: true }) as tf.Tensor, w)) as tf.Scalar, vars);
    for (const v of vars) grads.push(g[v.name].dataSync() as Float32Array);
    tf.dispose(Object.values(g));
  });
  const calls = new Map<string, number>();
  for (const k of profile.kernels) calls.set(k.name, (calls.get(k.name) ?? 0) + 1);
  return { grads, calls };
}

test('lean conv: same weight gradients as tfjs-layers, and the first conv computes no input gradient (cnn, resnet8; wasm)', async () => {
  await useBackend('wasm');
  const rng = new Rng(11);
  for (const [name, convs] of [['cnn', 2], ['resnet8', 9]] as const) {
    const shape: [number, number, number] = [12, 12, 1];
    const x = tf.tensor4d(Float32Array.from({ length: 5 * 144 }, () => rng.normal()), [5, ...shape]);
    const w = tf.tensor2d(Float32Array.from({ length: 5 * 10 }, () => rng.normal()), [5, 10]);
    uninstallLeanConv();
    const a = buildModel(name, shape, 10, { seed: 4, width: 0.5 });
    const ref = await gradsAndKernels(a, x, w);
    installLeanConv();
    assert.ok(leanConvInstalled());
    const b = buildModel(name, shape, 10, { seed: 4, width: 0.5 });
    const got = await gradsAndKernels(b, x, w);
    assert.equal(got.grads.length, ref.grads.length);
    got.grads.forEach((g, i) => assert.ok(relDiff(g, ref.grads[i]) < 1e-5, `${name} grad ${i}: ${relDiff(g, ref.grads[i])}`));
    assert.equal(ref.calls.get('Conv2DBackpropInput'), convs, `${name}: tfjs-layers computes every conv's input gradient`);
    assert.equal(got.calls.get('Conv2DBackpropInput'), convs - 1, `${name}: the first conv's input gradient is skipped`);
    assert.equal(got.calls.get('Conv2DBackpropFilter'), convs);
    // Inference is tfjs's own path either way.
    const ya = a.predict(x) as tf.Tensor;
    const yb = b.predict(x) as tf.Tensor;
    assert.ok(relDiff(yb.dataSync(), ya.dataSync()) < 1e-6);
    tf.dispose([x, w, ya, yb]);
    a.dispose();
    b.dispose();
  }
});

test('lean conv leaves convs with a bias or an activation on the fused path', async () => {
  await useBackend('wasm');
  installLeanConv();
  const x = tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 1);
  for (const opts of [{ useBias: true }, { useBias: false, activation: 'relu' as const }]) {
    const layer = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', ...opts });
    layer.apply(x); // builds the weights
    const profile = await tf.profile(() => tf.dispose(layer.apply(x, { training: true }) as tf.Tensor));
    const names = profile.kernels.map((k) => k.name);
    assert.ok(names.includes('FusedConv2D'), `${JSON.stringify(opts)}: kernels ${names.join(', ')}`);
    layer.dispose();
  }
  x.dispose();
});
