import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { useBackend } from '../backend/select.js';
import {
  applyProtocol,
  augmentBatch,
  classCounts,
  computeNormalization,
  datasetDefaults,
  gatherImages,
  loadDataset,
  normalize,
  type ImageSet,
} from '../data/index.js';
import { createMethod, getMethod, type TrainingMethod } from './methods/index.js';
import { RUN_FILES, type Normalization, type RunManifest } from '../types.js';
import { writeFailure, writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { IcmixError } from '../util/errors.js';
import { formatDuration, renderProgress } from '../util/progress.js';
import type { OnProgress } from '../util/progress-event.js';
import { etaSeconds, trainingStepsLeft } from '../util/progress-format.js';
import { Rng } from '../util/rng.js';
import { ICMIX_VERSION } from '../version.js';
import { loadCheckpoint, readCheckpointState, saveCheckpoint } from './checkpoint.js';
import { resolveConfig, type TrainConfig } from './config.js';
import { buildModel } from './models/index.js';
import { activationFloatsPerImage, checkStepFitsWasm, isWasmOutOfMemory, wasmOutOfMemoryError, type StepSize } from './memory.js';
import { saveLayersModel } from './model-io.js';
import { readManifest } from './run-io.js';
import { Sgd, stepLr } from './optimizer.js';
import { parseJsonLines } from '../util/jsonl.js';

/** One line of log.jsonl. */
export interface EpochLog {
  epoch: number;
  lr: number;
  trainLoss: number;
  valAccuracy: number;
  valLoss: number;
  seconds: number;
  imagesPerSecond: number;
}

export interface TrainResult {
  runDir: string;
  epochs: EpochLog[];
  testAccuracy: number;
  seconds: number;
  manifest: RunManifest;
}

export interface TrainHooks {
  /** Called after each epoch's checkpoint is safely on disk. */
  onEpoch?: (log: EpochLog) => void | Promise<void>;
  /** Steps within each epoch ('epoch 3/10'), its summary, and run notes. Default: rendered on stderr unless `quiet`. */
  onProgress?: OnProgress;
  /** No progress at all when no onProgress is given. */
  quiet?: boolean;
  /** Resume from the run folder's last checkpoint instead of starting fresh. */
  resume?: boolean;
}

/** The data a run trains on, after its protocol; regenerated identically from the config. */
export interface PreparedData {
  train: ImageSet;
  val: ImageSet;
  test: ImageSet;
  classCounts: number[];
  protocol: Record<string, unknown>;
  normalization: Normalization;
  source: string;
}

export async function prepareData(
  cfg: Pick<TrainConfig, 'dataset' | 'dataDir' | 'imageSize' | 'channels' | 'strict' | 'imbalance' | 'perClass' | 'trainSubset' | 'valSize' | 'seed'>,
  onProgress?: OnProgress,
): Promise<PreparedData> {
  const { train: full, test, val: ownVal, source } = await loadDataset(cfg.dataset, { dir: cfg.dataDir, imageSize: cfg.imageSize, channels: cfg.channels, strict: cfg.strict, onProgress });
  // A dataset with its own validation set (a folder's val/) holds nothing more out of train.
  const split = applyProtocol(full, {
    imbalance: cfg.imbalance,
    perClass: cfg.perClass,
    trainSubset: cfg.trainSubset,
    valSize: ownVal ? 0 : cfg.valSize,
    seed: cfg.seed,
  });
  if (ownVal) Object.assign(split.description, { valSize: ownVal.labels.length, valSplit: "the dataset's own validation set (val/)", valClassCounts: classCounts(ownVal) });
  return {
    train: split.train,
    val: ownVal ?? split.val,
    test,
    classCounts: split.classCounts,
    protocol: split.description,
    normalization: computeNormalization(split.train),
    source,
  };
}

/** Train a model as `cfg` says, writing checkpoints, a log and the final model into cfg.out. */
export async function train(partial: Parameters<typeof resolveConfig>[0], hooks: TrainHooks = {}): Promise<TrainResult> {
  const cfg = resolveConfig(partial);
  const report: OnProgress = hooks.onProgress ?? (hooks.quiet ? () => {} : renderProgress());
  const method = getMethod(cfg.method);
  const backend = await useBackend(cfg.backend);
  const started = Date.now();
  const runDir = cfg.out;
  const ckptDir = path.join(runDir, RUN_FILES.checkpoint);
  const logFile = path.join(runDir, RUN_FILES.log);

  const data = await prepareData(cfg, report);
  const { train: trainSet, val: valSet, test: testSet, normalization } = data;
  const shape = trainSet.shape;
  const defaults = datasetDefaults(cfg.dataset);
  const aug = { pad: cfg.pad ?? defaults.pad, flip: cfg.flip ?? defaults.flip };
  const bound = createMethod(method.name, cfg, { numClasses: trainSet.numClasses, classCounts: data.classCounts });

  const manifest: RunManifest = {
    icmixVersion: ICMIX_VERSION,
    createdAt: new Date().toISOString(),
    config: { ...cfg, alpha: bound.params.alpha, gamma: bound.params.gamma, pad: aug.pad, flip: aug.flip },
    dataset: {
      name: cfg.dataset,
      protocol: data.protocol,
      trainSize: trainSet.labels.length,
      valSize: valSet.labels.length,
      testSize: testSet.labels.length,
      classCounts: data.classCounts,
    },
    classNames: trainSet.classNames,
    inputShape: shape,
    normalization,
    backend: backend.name,
    versions: { icmix: ICMIX_VERSION, tfjs: tf.version_core, node: process.version, backendPackage: backend.package },
  };

  // A batch too large for the wasm heap is refused up front, with a batch size that fits.
  let stepSize: StepSize | undefined;
  const checkFits = (m: tfl.LayersModel) => {
    stepSize = { batchSize: cfg.batchSize, activationFloats: activationFloatsPerImage(m), numClasses: trainSet.numClasses, pairwise: method.pairwise };
    if (backend.name === 'wasm') checkStepFitsWasm(stepSize);
  };

  // Fresh start or resume.
  let model: tfl.LayersModel;
  let startEpoch = 0;
  let logs: EpochLog[] = [];
  let optimizerState: Float32Array | undefined;
  const state = hooks.resume ? await readCheckpointState(ckptDir) : undefined;
  if (hooks.resume && !state) {
    throw new IcmixError(`--resume: no checkpoint in ${ckptDir}; start the run without --resume`);
  }
  if (state) {
    const previous = await readManifest(runDir);
    assertSameConfig(previous.config, manifest.config);
    manifest.createdAt = previous.createdAt;
    const loaded = await loadCheckpoint(ckptDir, state);
    model = loaded.model;
    checkFits(model);
    optimizerState = loaded.optimizerState;
    startEpoch = state.epoch;
    logs = (await readLog(logFile)).filter((l) => l.epoch <= startEpoch);
    await writeFileAtomic(logFile, logs.map((l) => JSON.stringify(l) + '\n').join(''));
    report({ task: 'train', message: `resuming ${runDir} after epoch ${startEpoch}` });
  } else {
    // Built and checked before the folder is touched.
    model = buildModel(cfg.model, shape, trainSet.numClasses, { width: cfg.width, seed: cfg.seed });
    checkFits(model);
    await fs.mkdir(runDir, { recursive: true });
    await fs.rm(ckptDir, { recursive: true, force: true });
    await writeFileAtomic(logFile, '');
  }
  await writeJsonAtomic(path.join(runDir, RUN_FILES.manifest), manifest);

  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const sgd = new Sgd(vars, { momentum: cfg.momentum, weightDecay: cfg.weightDecay });
  if (optimizerState) sgd.setState(optimizerState);
  const forward = (x: tf.Tensor4D) => model.apply(x, { training: true }) as tf.Tensor2D;

  const n = trainSet.labels.length;
  const stepsPerEpoch = Math.min(Math.floor(n / cfg.batchSize) || 1, cfg.maxStepsPerEpoch ?? Infinity);
  const root = new Rng(cfg.seed);
  // The ETA's pace: this session's steps (validation included), over all remaining epochs.
  const sessionStart = Date.now();
  let sessionSteps = 0;
  for (let epoch = startEpoch; epoch < cfg.epochs; epoch++) {
    const lr = stepLr(cfg.lr, epoch, cfg.epochs, cfg.lrMilestones, cfg.lrGamma);
    // Each epoch's randomness depends only on (seed, epoch), so a resumed run repeats it exactly.
    const rng = root.fork(`epoch:${epoch}`);
    const order = rng.permutation(n);
    const task = `epoch ${epoch + 1}/${cfg.epochs}`;
    const t0 = Date.now();
    let lossSum = 0;
    let images = 0;
    for (let step = 0; step < stepsPerEpoch; step++) {
      const idx = order.subarray(step * cfg.batchSize, Math.min(n, (step + 1) * cfg.batchSize));
      let loss: number;
      try {
        loss = trainStep(forward, sgd, bound, trainSet, idx, aug, normalization, rng, lr);
      } catch (e) {
        if (backend.name === 'wasm' && stepSize && isWasmOutOfMemory(e)) throw wasmOutOfMemoryError(stepSize, `at epoch ${epoch + 1}, step ${step + 1}`);
        throw e;
      }
      if (!Number.isFinite(loss)) {
        throw new IcmixError(
          `the ${cfg.method} loss became ${loss} at epoch ${epoch + 1}, step ${step + 1} (lr ${lr}); ` +
            (epoch > 0 ? `the checkpoint after epoch ${epoch} in ${ckptDir} is kept and --resume continues from it; ` : '') +
            'try a lower --lr or check the input data',
        );
      }
      lossSum += loss;
      images += idx.length;
      // A turn of the event loop per step, so a caller's SIGINT handler runs mid-epoch.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const secs = (Date.now() - t0) / 1000;
      sessionSteps++;
      const eta = etaSeconds((Date.now() - sessionStart) / 1000, sessionSteps, trainingStepsLeft(epoch, step, cfg.epochs, stepsPerEpoch));
      report({ task, done: step + 1, total: stepsPerEpoch, fields: { loss: lossSum / (step + 1), 'img/s': ((step + 1) * idx.length) / secs, lr }, eta });
    }
    const seconds = (Date.now() - t0) / 1000;
    const val = evaluateSet(model, valSet, normalization, 256);
    const log: EpochLog = {
      epoch: epoch + 1,
      lr,
      trainLoss: lossSum / stepsPerEpoch,
      valAccuracy: val.accuracy,
      valLoss: val.loss,
      seconds,
      imagesPerSecond: images / seconds,
    };
    report({
      task,
      finished: true,
      message: `epoch ${log.epoch}/${cfg.epochs}  loss ${log.trainLoss.toFixed(4)}  ` +
        (valSet.labels.length ? `val acc ${(100 * log.valAccuracy).toFixed(2)}%  ` : 'no val split  ') +
        `${log.imagesPerSecond.toFixed(0)} img/s  ${formatDuration(seconds)}`,
    });
    // Log line first: a crash before the checkpoint leaves a line past it, which resume drops;
    // the other order could leave a checkpointed epoch with no line.
    await fs.appendFile(logFile, JSON.stringify(log) + '\n').catch((e: unknown) => {
      throw writeFailure(logFile, e);
    });
    logs.push(log);
    await saveCheckpoint(ckptDir, epoch + 1, model, sgd.getState());
    await hooks.onEpoch?.(log);
  }

  const test = evaluateSet(model, testSet, normalization, 256);
  await saveLayersModel(model, path.join(runDir, RUN_FILES.model));
  const seconds = (Date.now() - started) / 1000;
  const finalManifest = { ...manifest, result: { testAccuracy: test.accuracy, testLoss: test.loss, trainSeconds: seconds } };
  await writeJsonAtomic(path.join(runDir, RUN_FILES.manifest), finalManifest);
  report({ task: 'train', finished: true, message: `test accuracy ${(100 * test.accuracy).toFixed(2)}%; model saved to ${path.join(runDir, RUN_FILES.model)}` });
  sgd.dispose();
  model.dispose();
  return { runDir, epochs: logs, testAccuracy: test.accuracy, seconds, manifest: finalManifest };
}

/** One SGD step on the batch `idx`; returns the loss before the update. */
function trainStep(
  forward: (x: tf.Tensor4D) => tf.Tensor2D,
  sgd: Sgd,
  method: TrainingMethod,
  set: ImageSet,
  idx: Int32Array,
  aug: { pad: number; flip: boolean },
  norm: Normalization,
  rng: Rng,
  lr: number,
): number {
  const b = idx.length;
  const [h, w, c] = set.shape;
  const raw = gatherImages(set, idx);
  const images = normalize(augmentBatch(raw.images, b, set.shape, aug, rng), set.shape, norm);
  const draw = method.draw(b, set.shape, rng);
  const x = tf.tensor4d(images, [b, h, w, c]);
  const y = tf.tensor1d(raw.labels, 'int32');
  const { value, grads } = tf.variableGrads(() => method.loss(forward, x, y, draw));
  const loss = value.dataSync()[0];
  if (Number.isFinite(loss)) sgd.step(grads, lr);
  tf.dispose([x, y, value, ...Object.values(grads)]);
  return loss;
}

/** Accuracy and mean cross-entropy of the model (inference mode) on a whole set. */
export function evaluateSet(model: tfl.LayersModel, set: ImageSet, norm: Normalization, batchSize: number): { accuracy: number; loss: number } {
  const n = set.labels.length;
  if (n === 0) return { accuracy: NaN, loss: NaN };
  const [h, w, c] = set.shape;
  const size = h * w * c;
  let correct = 0;
  let lossSum = 0;
  for (let s = 0; s < n; s += batchSize) {
    const e = Math.min(n, s + batchSize);
    const images = normalize(set.images.subarray(s * size, e * size), set.shape, norm);
    const labels = set.labels.subarray(s, e);
    const [pred, nll] = tf.tidy(() => {
      const logits = model.predict(tf.tensor4d(images, [e - s, h, w, c])) as tf.Tensor2D;
      const logp = tf.logSoftmax(logits);
      const picked = tf.sum(tf.mul(logp, tf.oneHot(tf.tensor1d(labels, 'int32'), logits.shape[1])), 1);
      return [tf.argMax(logits, 1).dataSync(), picked.dataSync()];
    });
    for (let i = 0; i < e - s; i++) {
      if (pred[i] === labels[i]) correct++;
      lossSum -= nll[i];
    }
  }
  return { accuracy: correct / n, loss: lossSum / n };
}

/** log.jsonl's epochs; a line torn by a crash mid-append is skipped, not the whole log. */
async function readLog(file: string): Promise<EpochLog[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return parseJsonLines<EpochLog>(text);
}

/** A resumed run must train as the original would; refuse if its settings changed. */
function assertSameConfig(previous: Record<string, unknown>, current: Record<string, unknown>): void {
  const ignore = new Set(['backend', 'out']);
  for (const k of new Set([...Object.keys(previous), ...Object.keys(current)])) {
    if (ignore.has(k)) continue;
    if (JSON.stringify(previous[k]) !== JSON.stringify(current[k])) {
      throw new IcmixError(
        `--resume: option '${k}' was ${JSON.stringify(previous[k])} when the run started and is now ${JSON.stringify(current[k])}; resume with the original options or start a new --out folder`,
      );
    }
  }
}
