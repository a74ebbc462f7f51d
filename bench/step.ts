/**
 * The benches' training step: the trainer's step (src/train/trainer.ts) minus data loading and
 * augmentation, on seeded random images, with SGD momentum 0.9 and weight decay 5e-4.
 * Shared by bench:train and bench:profile, so both time the same step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { buildModel } from '../src/train/models/index.js';
import { createMethod } from '../src/train/methods/index.js';
import { Sgd } from '../src/train/optimizer.js';
import { Rng } from '../src/util/rng.js';

export interface BenchStep {
  /** One SGD step on the fixed batch (a fresh mixing draw each time). */
  step(): void;
  dispose(): void;
}

export function benchStep(modelName: string, methodName: string, batch: number, shape: [number, number, number]): BenchStep {
  const model = buildModel(modelName, shape, 10, { seed: 1 });
  const vars = model.trainableWeights.map((w) => w.read() as unknown as tf.Variable);
  const sgd = new Sgd(vars, { momentum: 0.9, weightDecay: 5e-4 });
  const rng = new Rng(7);
  const method = createMethod(methodName, { kappa: 3, tau: 0.5, lambdaMode: 'batch' }, { numClasses: 10, classCounts: new Array(10).fill(100) });
  const images = new Float32Array(batch * shape[0] * shape[1] * shape[2]);
  for (let i = 0; i < images.length; i++) images[i] = rng.normal();
  const labels = Int32Array.from({ length: batch }, () => rng.int(10));
  const forward = (x: tf.Tensor4D) => model.apply(x, { training: true }) as tf.Tensor2D;
  return {
    step: () => {
      const draw = method.draw(batch, shape, rng);
      const x = tf.tensor4d(images, [batch, ...shape]);
      const y = tf.tensor1d(labels, 'int32');
      const { value, grads } = tf.variableGrads(() => method.loss(forward, x, y, draw));
      value.dataSync();
      sgd.step(grads, 0.05);
      tf.dispose([x, y, value, ...Object.values(grads)]);
    },
    dispose: () => {
      sgd.dispose();
      model.dispose();
    },
  };
}

/**
 * The same step through the trainer's data-parallel pool (`workers` replicas, each a slice of the
 * batch), with the batch mixed on the host as the trainer does. `step` resolves after the update.
 */
export async function parallelBenchStep(
  modelName: string,
  methodName: string,
  batch: number,
  shape: [number, number, number],
  opts: { workers: number; backend: 'wasm' | 'cpu' },
): Promise<{ step(): Promise<void>; dispose(): Promise<void> }> {
  const { WorkerPool } = await import('../src/train/parallel/pool.js');
  const { mixOnHost } = await import('../src/train/parallel/batch.js');
  const model = buildModel(modelName, shape, 10, { seed: 1 });
  const rng = new Rng(7);
  const methodOptions = { kappa: 3, tau: 0.5, lambdaMode: 'batch' as const };
  const data = { numClasses: 10, classCounts: new Array(10).fill(100) };
  const method = createMethod(methodName, methodOptions, data);
  const images = new Float32Array(batch * shape[0] * shape[1] * shape[2]);
  for (let i = 0; i < images.length; i++) images[i] = rng.normal();
  const labels = Int32Array.from({ length: batch }, () => rng.int(10));
  const count = (ws: { read(): { size: number } }[]) => ws.reduce((k, v) => k + v.read().size, 0);
  const pool = await WorkerPool.start(
    { workers: opts.workers, batch, imageFloats: shape[0] * shape[1] * shape[2], classes: 10, params: count(model.trainableWeights), stats: count(model.nonTrainableWeights) },
    {
      backend: opts.backend,
      model: { name: modelName, shape, numClasses: 10, width: 1 },
      method: { name: methodName, options: methodOptions, data },
      sgd: { momentum: 0.9, weightDecay: 5e-4 },
      weights: model.weights.map((w) => w.read().dataSync() as Float32Array),
    },
  );
  model.dispose();
  let stepNo = 0;
  return {
    step: async () => {
      const host = mixOnHost(method, images, labels, shape, method.draw(batch, shape, rng));
      await pool.step(host, 0.05, 1, ++stepNo);
    },
    dispose: () => pool.close(),
  };
}
