/**
 * The fused BatchNorm-in-training kernels (src/backend/fused) against tfjs's unfused path on the
 * cpu backend (moments + batchNorm, differentiated op by op, as tfjs-layers builds it):
 * outputs, batch statistics and all three gradients, on the wasm and the cpu kernels, for odd
 * shapes too; then whole models, fused vs unfused on the same weights, so training is unchanged.
 * "Relative difference" is max|got - ref| / max|ref| over each tensor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '../../src/backend/select.js';
import { enginesHere } from './engines-here.js';
import { BN_TRAIN } from '../../src/backend/fused/kernels.js';
import { installFusedTraining, uninstallFusedTraining, fusedTrainingInstalled } from '../../src/backend/fused/layer.js';
import { buildModel } from '../../src/train/models/index.js';
import { Rng } from '../../src/util/rng.js';
import { relDiff } from './rel-diff.js';

const EPS = 1e-5;


interface Case {
  x: Float32Array;
  gamma: Float32Array;
  beta: Float32Array;
  w: Float32Array;
  shape: number[];
}

function makeCase(shape: number[], seed: number): Case {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const c = shape[shape.length - 1];
  // Channel means far from 0 (and different per channel) check the shifted statistics.
  return {
    shape,
    x: Float32Array.from({ length: n }, (_, i) => 3 + (i % c) + 2 * rng.normal()),
    gamma: Float32Array.from({ length: c }, () => 1 + 0.5 * rng.normal()),
    beta: Float32Array.from({ length: c }, () => rng.normal()),
    // A non-uniform weighting of y so every gradient term is non-trivial.
    w: Float32Array.from({ length: n }, () => rng.normal()),
  };
}

/** y, mean, variance and d(sum(relu(y) * w))/d(x, gamma, beta), by `bn`. */
function run(k: Case, bn: (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor[]): Float32Array[] {
  return tf.tidy(() => {
    const [x, g, b, w] = [tf.tensor(k.x, k.shape), tf.tensor1d(k.gamma), tf.tensor1d(k.beta), tf.tensor(k.w, k.shape)];
    const [y, mean, variance] = bn(x, g, b);
    const grads = tf.grads((xv: tf.Tensor, gv: tf.Tensor, bv: tf.Tensor) => tf.sum(tf.mul(tf.relu(bn(xv, gv, bv)[0]), w)))([x, g, b]);
    return [y, mean, variance, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

const unfused = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor[] => {
  const { mean, variance } = tf.moments(x, Array.from({ length: x.rank - 1 }, (_, i) => i));
  return [tf.batchNorm(x, mean, variance, b as tf.Tensor1D, g as tf.Tensor1D, EPS), mean, variance];
};
const fused = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor[] =>
  tf.engine().runKernel(BN_TRAIN, { x, scale: g, offset: b }, { varianceEpsilon: EPS }) as tf.Tensor[];

const NAMES = ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'];
const SHAPES = [
  [4, 3, 3, 8], // C a multiple of 4: the 4-channel loops
  [2, 5, 5, 16],
  [8, 5, 3, 6], // the general loops
  [1, 3, 3, 5], // batch 1, C not a multiple of 4
  [3, 4, 4, 17],
  [16, 7], // rank 2 (BN after a dense layer)
  [1, 2, 2, 3], // 4 values per channel
];

test('fused BN-in-training kernels (wasm, cpu and, where installed, tensorflow) match tfjs unfused on cpu within 1e-4: y, statistics, dx, dgamma, dbeta', async () => {
  // webgpu runs tfjs-layers' own unfused BatchNorm (icmix registers no fused kernel for it).
  const backends = (await enginesHere()).filter((e) => e.skip === false && e.name !== 'webgpu').map((e) => e.name);
  for (const [i, shape] of SHAPES.entries()) {
    const k = makeCase(shape, 100 + i);
    await useBackend('cpu');
    const ref = run(k, unfused);
    for (const backend of backends) {
      await useBackend(backend);
      // The kernels are registered by the engines that use them; cpu's (registered with wasm's)
      // are installed here so the cpu row tests them too.
      installFusedTraining();
      const got = run(k, fused);
      got.forEach((g, j) => {
        const d = relDiff(g, ref[j]);
        assert.ok(d < 1e-4, `${backend} ${NAMES[j]} for x ${JSON.stringify(shape)}: relative difference ${d}`);
      });
    }
  }
});

test('the fused kernel refuses a per-channel tensor that does not match x, naming the shapes', async () => {
  await useBackend('wasm');
  installFusedTraining();
  assert.throws(
    () => tf.tidy(() => fused(tf.zeros([2, 3, 4]), tf.ones([3]), tf.zeros([3]))),
    /IcmixBatchNormTrain: expects x \[\.\.\., C\] and per-channel \[C\] tensors, got x \[2,3,4\] and \[3\]/,
  );
});

/** Loss gradients of every trainable weight and the moving statistics after one training call. */
function modelGrads(model: tfl.LayersModel, x: tf.Tensor, w: tf.Tensor): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  const vars = model.trainableWeights.map((v) => v.read() as tf.Variable);
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(model.apply(x, { training: true }) as tf.Tensor, w)) as tf.Scalar, vars);
  for (const v of vars) out.set(`grad ${v.name}`, grads[v.name].dataSync() as Float32Array);
  tf.dispose(Object.values(grads));
  for (const v of model.weights.filter((v) => /moving/.test(v.name))) out.set(v.name, v.read().dataSync() as Float32Array);
  return out;
}

test('whole models: fused and unfused BN give the same weight gradients and moving statistics (resnet8, cnn; wasm)', async () => {
  await useBackend('wasm');
  const rng = new Rng(5);
  for (const name of ['resnet8', 'cnn']) {
    const shape: [number, number, number] = [12, 12, 1];
    const x = tf.tensor4d(Float32Array.from({ length: 6 * 144 }, () => rng.normal()), [6, ...shape]);
    const w = tf.tensor2d(Float32Array.from({ length: 6 * 10 }, () => rng.normal()), [6, 10]);
    // Two models from the same seed: the same weights, each updated by one training call.
    uninstallFusedTraining();
    const a = buildModel(name, shape, 10, { seed: 3, width: 0.5 });
    const ref = modelGrads(a, x, w);
    installFusedTraining();
    assert.ok(fusedTrainingInstalled());
    const b = buildModel(name, shape, 10, { seed: 3, width: 0.5 });
    const got = modelGrads(b, x, w);
    assert.deepEqual([...got.keys()].map((k) => k.replace(/_\d+/g, '')), [...ref.keys()].map((k) => k.replace(/_\d+/g, '')));
    const refs = [...ref.values()];
    [...got.entries()].forEach(([key, g], i) => {
      const d = relDiff(g, refs[i]);
      assert.ok(d < 1e-4, `${name} ${key}: relative difference ${d}`);
    });
    assert.ok(ref.size > 10, `${name}: compared ${ref.size} tensors`);
    a.dispose();
    b.dispose();
    tf.dispose([x, w]);
  }
});
