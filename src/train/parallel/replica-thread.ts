/**
 * One data-parallel training worker: a replica of the model on its own tfjs instance. Per step it
 * runs forward on its rows of the shared batch, exchanges logits with the others, computes the
 * whole batch's loss and dLoss/dZ for its rows, backpropagates them, then sums every worker's
 * gradient (in worker order, so every replica gets the same floats) and applies the same SGD
 * update. BatchNorm moving statistics are averaged over the replicas each step, so all replicas
 * hold identical state after every step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { parentPort, workerData } from 'node:worker_threads';
import { useBackend, type BackendName } from '../../backend/select.js';
import type { ImageShape } from '../../types.js';
import { createMethod, type MethodOptions, type TrainingData, type TrainingMethod } from '../methods/index.js';
import { allFinite } from '../finite.js';
import { buildModel } from '../models/index.js';
import { Sgd, type SgdOptions } from '../optimizer.js';
import { assignFlat, lossAndLogitGrads, type HostTargets } from './batch.js';
import { BarrierAborted, abortBarrier, barrier, sliceOf, sumInOrder, viewShared, type SharedBuffers, type SharedViews } from './shared.js';

/** What the pool gives each worker at start (structured-cloned; the buffers stay shared). */
export interface WorkerInit {
  index: number;
  buffers: SharedBuffers;
  backend: BackendName;
  model: { name: string; shape: ImageShape; numClasses: number; width: number };
  method: { name: string; options: MethodOptions; data: TrainingData };
  sgd: SgdOptions;
  /** Every weight in model.weights order (trainable and BatchNorm statistics). */
  weights: Float32Array[];
  /** Momentum buffers (Sgd.getState); absent on a fresh start. */
  optimizer?: Float32Array;
}

/** Main -> worker. Epoch and step are 1-based, as errors name them. */
export type ToWorker =
  | { type: 'step'; epoch: number; step: number; batch: number; lr: number; clean: boolean; targets: HostTargets }
  | { type: 'read' };

/** Worker -> main. `aborted`: it stopped because another worker failed (not a cause itself). */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'done'; loss: number; finite: boolean }
  | { type: 'state'; weights: Float32Array[]; optimizer: Float32Array }
  | { type: 'failed'; message: string; aborted: boolean };

/**
 * Tests make worker k fail at a step: ICMIX_TEST_WORKER_FAULT=<worker>:<epoch>:<step>:<throw|exit>
 * (1-based epoch and step).
 */
function faultAt(index: number): { epoch: number; step: number; mode: string } | undefined {
  const m = /^(\d+):(\d+):(\d+):(throw|exit)$/.exec(process.env.ICMIX_TEST_WORKER_FAULT ?? '');
  if (!m || Number(m[1]) !== index) return undefined;
  return { epoch: Number(m[2]), step: Number(m[3]), mode: m[4] };
}

class Replica {
  private readonly model;
  private readonly vars: tf.Variable[];
  private readonly stats: tf.Variable[];
  private readonly sgd: Sgd;
  private readonly method: TrainingMethod;
  private readonly views: SharedViews;
  private readonly summed: Float32Array;
  private readonly averaged: Float32Array;
  private readonly fault;

  constructor(private readonly init: WorkerInit) {
    const m = init.model;
    this.model = buildModel(m.name, m.shape, m.numClasses, { width: m.width, seed: 0 });
    const start = init.weights.map((w, i) => tf.tensor(w, this.model.weights[i].shape as number[]));
    this.model.setWeights(start);
    tf.dispose(start); // the variables keep their own reference
    this.vars = this.model.trainableWeights.map((w) => w.read() as tf.Variable);
    this.stats = this.model.nonTrainableWeights.map((w) => w.read() as tf.Variable);
    this.sgd = new Sgd(this.vars, init.sgd);
    if (init.optimizer) this.sgd.setState(init.optimizer);
    this.method = createMethod(init.method.name, init.method.options, init.method.data);
    this.views = viewShared(init.buffers);
    this.summed = new Float32Array(init.buffers.sizes.params);
    this.averaged = new Float32Array(init.buffers.sizes.stats);
    this.fault = faultAt(init.index);
  }

  step(msg: Extract<ToWorker, { type: 'step' }>): FromWorker {
    const { index, buffers } = this.init;
    const { workers, classes: c } = buffers.sizes;
    const shape = this.init.model.shape;
    const f = shape[0] * shape[1] * shape[2];
    const v = this.views;
    if (this.fault && this.fault.epoch === msg.epoch && this.fault.step === msg.step) {
      if (this.fault.mode === 'exit') process.exit(3);
      throw new Error(`ICMIX_TEST_WORKER_FAULT: worker ${index} fails on purpose`);
    }
    const [s, e] = sliceOf(msg.batch, workers, index);
    const rows = e - s;
    const forward = (images: Float32Array) => this.model.apply(tf.tensor4d(images.slice(s * f, e * f), [rows, ...shape]), { training: true }) as tf.Tensor2D;
    let loss = NaN;
    const { value, grads } = tf.variableGrads(() => {
      // Clean pass first, as in-process (BatchNorm's moving statistics see it first).
      const zc = msg.clean ? forward(v.cleanImages) : undefined;
      const zm = forward(v.mixedImages);
      if (zc) v.cleanLogits.set(zc.dataSync(), s * c);
      v.mixedLogits.set(zm.dataSync(), s * c);
      barrier(v.control, workers);
      const n = msg.batch * c;
      const d = lossAndLogitGrads(this.method, msg.targets, c, v.mixedLogits.slice(0, n), zc ? v.cleanLogits.slice(0, n) : undefined);
      loss = d.loss;
      // sum(Z_k * dZ_k) has gradient dZ_k with respect to Z_k: backprop of the whole loss through our rows.
      const part = (z: tf.Tensor2D, dz: Float32Array) => tf.sum(tf.mul(z, tf.tensor2d(dz.subarray(s * c, e * c), [rows, c])));
      return (zc && d.dClean ? tf.add(part(zc, d.dClean), part(zm, d.dMixed)) : part(zm, d.dMixed)) as tf.Scalar;
    }, this.vars);
    const mine = v.gradsOf(index);
    let o = 0;
    for (const x of this.vars) {
      const g = grads[x.name];
      if (g) mine.set(g.dataSync(), o);
      else mine.fill(0, o, o + x.size);
      o += x.size;
    }
    tf.dispose([value, ...Object.values(grads)]);
    const myStats = v.statsOf(index);
    o = 0;
    for (const x of this.stats) {
      myStats.set(x.dataSync(), o);
      o += x.size;
    }
    barrier(v.control, workers);
    const parts = (of: (k: number) => Float32Array) => Array.from({ length: workers }, (_, k) => of(k));
    if (Number.isFinite(loss)) {
      sumInOrder(parts(v.gradsOf), this.summed);
      const named: tf.NamedTensorMap = {};
      o = 0;
      for (const x of this.vars) {
        // A variable without a gradient (the same on every replica: one graph) is left to Sgd to
        // skip, as in-process, rather than decayed and pushed by momentum with a zero gradient.
        if (grads[x.name]) named[x.name] = tf.tensor(this.summed.subarray(o, o + x.size), x.shape);
        o += x.size;
      }
      this.sgd.step(named, msg.lr);
      tf.dispose(Object.values(named));
    }
    sumInOrder(parts(v.statsOf), this.averaged, 1 / workers);
    assignFlat(this.stats, this.averaged);
    // The last barrier's readers are done with grads/stats only once all reach the next step's
    // first barrier, which no worker passes before every worker finished this one.
    return { type: 'done', loss, finite: allFinite(this.model.weights.map((w) => w.read())) };
  }

  read(): FromWorker {
    return { type: 'state', weights: this.model.weights.map((w) => w.read().dataSync() as Float32Array), optimizer: this.sgd.getState() };
  }
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('src/train/parallel/replica-thread is a worker_threads entry; the trainer starts it');
  const init = workerData as WorkerInit;
  const control = viewShared(init.buffers).control;
  const fail = (e: unknown) => {
    const aborted = e instanceof BarrierAborted;
    // Free the others before saying so: they may be waiting for this worker at a barrier.
    if (!aborted) abortBarrier(control);
    port.postMessage({ type: 'failed', message: e instanceof Error ? e.message : String(e), aborted } satisfies FromWorker);
  };
  let replica: Replica;
  try {
    await useBackend(init.backend);
    replica = new Replica(init);
  } catch (e) {
    fail(e);
    return;
  }
  port.on('message', (msg: ToWorker) => {
    try {
      port.postMessage(msg.type === 'step' ? replica.step(msg) : replica.read());
    } catch (e) {
      fail(e);
    }
  });
  port.postMessage({ type: 'ready' } satisfies FromWorker);
}

void main();
