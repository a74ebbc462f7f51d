/**
 * Who runs a training step: this thread (one model, one Sgd) or a pool of worker-thread replicas
 * (./parallel). The trainer draws each batch the same way for both and talks to one interface.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { augmentBatch, gatherImages, normalize, type ImageSet } from '../data/index.js';
import type { ImageShape, Normalization } from '../types.js';
import type { Rng } from '../util/rng.js';
import { allFiniteAsync } from './finite.js';
import type { MixDraw, TrainingMethod } from './methods/index.js';
import { Sgd, type SgdOptions } from './optimizer.js';
import { mixOnHost } from './parallel/batch.js';
import { WorkerFailure, WorkerPool, type PoolInit } from './parallel/pool.js';
import type { SharedSizes } from './parallel/shared.js';
import { IcmixError } from '../util/errors.js';

/** One step's host inputs: augmented, normalised images [b*h*w*c], labels [b] and the mixing draw. */
export interface DrawnBatch {
  images: Float32Array;
  labels: Int32Array;
  draw: MixDraw;
}

/** The batch `idx`, augmented and normalised, and the step's mixing draw, from `rng` in that order. */
export function drawBatch(method: TrainingMethod, set: ImageSet, idx: Int32Array, aug: { pad: number; flip: boolean }, norm: Normalization, rng: Rng): DrawnBatch {
  const raw = gatherImages(set, idx);
  const images = normalize(augmentBatch(raw.images, idx.length, set.shape, aug, rng), set.shape, norm);
  return { images, labels: raw.labels, draw: method.draw(idx.length, set.shape, rng) };
}

export interface StepResult {
  /** The loss before the update. */
  loss: number;
  /** Whether every weight is finite after the update. */
  finite: boolean;
}

export interface StepRunner {
  /** One SGD step at `lr`; epoch and step (1-based) name where a failure happened. */
  step(batch: DrawnBatch, lr: number, epoch: number, step: number): Promise<StepResult>;
  /** Bring the trainer's model up to date and return the optimizer state for a checkpoint. */
  sync(): Promise<Float32Array>;
  close(): Promise<void>;
}

/**
 * One SGD step on `model`'s variables in this thread; the loss before the update. Reads are
 * asynchronous: tfjs-backend-webgpu in Node cannot read a GPU buffer synchronously.
 */
export async function localStep(forward: (x: tf.Tensor4D) => tf.Tensor2D, sgd: Sgd, method: TrainingMethod, shape: ImageShape, batch: DrawnBatch, lr: number): Promise<number> {
  const b = batch.labels.length;
  const x = tf.tensor4d(batch.images, [b, ...shape]);
  const y = tf.tensor1d(batch.labels, 'int32');
  const { value, grads } = tf.variableGrads(() => method.loss(forward, x, y, batch.draw));
  const loss = (await value.data())[0];
  if (Number.isFinite(loss)) sgd.step(grads, lr);
  tf.dispose([x, y, value, ...Object.values(grads)]);
  return loss;
}

/** The step in this thread, on the trainer's own model. */
export class InProcessRunner implements StepRunner {
  private readonly sgd: Sgd;
  private readonly weights: tf.Tensor[];
  private readonly forward: (x: tf.Tensor4D) => tf.Tensor2D;

  constructor(
    model: tfl.LayersModel,
    private readonly method: TrainingMethod,
    private readonly shape: ImageShape,
    sgd: SgdOptions,
    optimizerState?: Float32Array,
  ) {
    this.sgd = new Sgd(model.trainableWeights.map((w) => w.read() as tf.Variable), sgd);
    if (optimizerState) this.sgd.setState(optimizerState);
    this.weights = model.weights.map((w) => w.read());
    this.forward = (x) => model.apply(x, { training: true }) as tf.Tensor2D;
  }

  async step(batch: DrawnBatch, lr: number): Promise<StepResult> {
    const loss = await localStep(this.forward, this.sgd, this.method, this.shape, batch, lr);
    return { loss, finite: await allFiniteAsync(this.weights) };
  }

  async sync(): Promise<Float32Array> {
    return this.sgd.readState();
  }

  async close(): Promise<void> {
    this.sgd.dispose();
  }
}

/** Replicas in worker threads, each on a slice of every batch; the trainer's model follows worker 0. */
export class PoolRunner implements StepRunner {
  private constructor(
    private readonly pool: WorkerPool,
    private readonly model: tfl.LayersModel,
    private readonly method: TrainingMethod,
    private readonly shape: ImageShape,
  ) {}

  /** Start the pool; a worker that cannot start is named (the run folder is not touched by this). */
  static async start(model: tfl.LayersModel, method: TrainingMethod, shape: ImageShape, sizes: SharedSizes, init: PoolInit): Promise<PoolRunner> {
    try {
      return new PoolRunner(await WorkerPool.start(sizes, init), model, method, shape);
    } catch (e) {
      if (e instanceof WorkerFailure) throw new IcmixError(`${e.message}; train with --workers 1 to run in one thread`);
      throw e;
    }
  }

  step(batch: DrawnBatch, lr: number, epoch: number, step: number): Promise<StepResult> {
    return this.pool.step(mixOnHost(this.method, batch.images, batch.labels, this.shape, batch.draw), lr, epoch, step);
  }

  async sync(): Promise<Float32Array> {
    const state = await this.pool.readState(0);
    const vars = this.model.weights;
    const fresh = state.weights.map((w, i) => tf.tensor(w, vars[i].shape as number[]));
    this.model.setWeights(fresh); // the variables keep their own reference, so these can go
    tf.dispose(fresh);
    return state.optimizer;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
