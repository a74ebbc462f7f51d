import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { promises as fs } from 'node:fs';
import { activeEngine, resolveEngine, useBackend, type BackendName } from '../backend/select.js';
import type { TrainingEngine } from '../backend/engines/index.js';
import type { StepSize } from '../backend/step-memory.js';
import { datasetDefaults, normalize, type ImageSet } from '../data/index.js';
import { createMethod, getMethod, resolveParams } from './methods/index.js';
import type { Normalization } from '../types.js';
import {
  appendEpochLog,
  checkOutFolder,
  checkpointDir,
  checkpointToResume,
  clearRunOutputs,
  loadCheckpoint,
  prepareData,
  readEpochLog,
  readManifest,
  resumeChanges,
  runPaths,
  saveCheckpoint,
  saveLayersModel,
  loadLayersModel,
  writeEpochLog,
  writeManifest,
  readDataRecord,
  writeDataRecord,
  type EpochLog,
  type LrFindRecord,
  type RunManifest,
} from '../run/index.js';
import { IcmixError } from '../util/errors.js';
import { formatDuration, renderProgress } from '../util/progress.js';
import type { OnProgress } from '../util/progress-event.js';
import { etaSeconds, trainingStepsLeft } from '../util/progress-format.js';
import { Rng } from '../util/rng.js';
import { ICMIX_VERSION } from '../version.js';
import { resolveConfig } from './config.js';
import { WorkerFailure } from './parallel/pool.js';
import { buildModel, checkModelName, modelWorkerCap } from './models/index.js';
import { activationFloatsPerImage } from './memory.js';
import { formatModelSummary, summarizeModel } from './summary.js';
import { TensorBoardLog } from './tensorboard.js';
import { drawBatch, InProcessRunner, PoolRunner, type StepRunner } from './step-runner.js';
import { scheduledLr } from './schedule.js';
import { chanceWarning, lossWarning, softwareGpuWarning, type TrainWarning } from './warnings.js';

// The run folder's records and the data split live in src/run; re-exported for the train API.
export { prepareData, type PreparedData, type EpochLog } from '../run/index.js';

export interface TrainResult {
  runDir: string;
  epochs: EpochLog[];
  testAccuracy: number;
  seconds: number;
  manifest: RunManifest;
  /** Health checks that fired (also in the manifest). */
  warnings: TrainWarning[];
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
  /** Start over in a non-empty run folder, deleting its run files first (see `clearRunOutputs`). */
  overwrite?: boolean;
  /** Never touch the test split (learning-rate tune runs select on validation only); testAccuracy is NaN. */
  skipTest?: boolean;
  /** What the learning-rate range test found, when the caller ran it to choose `lr` (`--lr auto`); recorded in the manifest. */
  lrFind?: LrFindRecord;
  /** The cores this run may use (a study cell's share): caps the default worker count; an explicit `workers` is not capped. */
  maxWorkers?: number;
}

/** Train a model as `cfg` says, writing checkpoints, a log and the final model into cfg.out. */
export async function train(partial: Parameters<typeof resolveConfig>[0], hooks: TrainHooks = {}): Promise<TrainResult> {
  // Everything is validated (options, method, model, the folder, the data) before --out is touched.
  const cfg = resolveConfig(partial);
  const report: OnProgress = hooks.onProgress ?? (hooks.quiet ? () => {} : renderProgress());
  const method = getMethod(cfg.method);
  checkModelName(cfg.model);
  const defaults = datasetDefaults(cfg.dataset); // refuses an unknown dataset name
  const runDir = cfg.out;
  await checkOutFolder(runDir, hooks);
  const paths = runPaths(runDir);
  const ckptDir = checkpointDir(runDir);
  const started = Date.now();

  const aug = { pad: cfg.pad ?? defaults.pad, flip: cfg.flip ?? defaults.flip };
  // alpha and gamma as the method will use them (the preset's defaults), recorded in the manifest.
  const { alpha, gamma } = resolveParams(cfg, method.defaults);
  const settings = { ...cfg, alpha, gamma, pad: aug.pad, flip: aug.flip, lrSchedule: cfg.lrSchedule ?? 'step', warmupEpochs: cfg.warmupEpochs ?? 0 };

  // On resume: the checkpoint, and which rates changed (anything else changed is refused).
  const state = hooks.resume ? await checkpointToResume(runDir) : undefined;
  const previous = state ? await readManifest(runDir) : undefined;
  const changed = previous ? resumeChanges(previous.config, settings) : {};
  if (state && Object.keys(changed).length && state.epoch >= cfg.epochs) {
    throw new IcmixError(`--resume: ${runDir} finished all ${cfg.epochs} epochs, so a changed ${Object.keys(changed).join(' and ')} has nothing to apply to; keep the original options`);
  }

  if (cfg.gpuAdapter !== undefined && resolveEngine(cfg.backend).name !== 'webgpu') {
    throw new IcmixError(`--gpu-adapter picks a WebGPU adapter and applies to --backend webgpu only (this run trains on ${resolveEngine(cfg.backend).name}); add --backend webgpu or drop --gpu-adapter`);
  }
  const backend = await useBackend(cfg.backend, { gpuAdapter: cfg.gpuAdapter });
  const engine = activeEngine()!;
  // A resumed run reads its folder dataset as recorded, so files added since cannot move its split.
  const data = await prepareData(cfg, report, state ? await readDataRecord(runDir) : undefined);
  const { train: trainSet, val: valSet, test: testSet, normalization } = data;
  const shape = trainSet.shape;
  const n = trainSet.labels.length;
  const batchRows = Math.min(n, cfg.batchSize);
  const workers = checkWorkers(cfg.workers, engine, batchRows, Math.min(hooks.maxWorkers ?? Infinity, modelWorkerCap(cfg.model)));
  const config = { ...settings, workers };
  const bound = createMethod(method.name, cfg, { numClasses: trainSet.numClasses, classCounts: data.classCounts });
  if (cfg.logTensorboard !== undefined) TensorBoardLog.check(cfg.logTensorboard);
  if ((cfg.keep === 'best' || cfg.patience !== undefined) && valSet.labels.length === 0) {
    throw new IcmixError(`${cfg.keep === 'best' ? '--keep best' : '--patience'} judges epochs by validation accuracy, and this run holds out no validation images; give --val-size a positive number`);
  }

  // A checkpoint resumes on any engine (one format); a change of engine is recorded, like a changed rate.
  const engineChanged: [string, string] | undefined = previous && previous.backend !== backend.name ? [previous.backend, backend.name] : undefined;
  const resumed = Object.keys(changed).length > 0 || engineChanged !== undefined;
  const manifest: RunManifest = {
    icmixVersion: ICMIX_VERSION,
    createdAt: previous?.createdAt ?? new Date().toISOString(),
    config,
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
    versions: { icmix: ICMIX_VERSION, tfjs: tf.version_core, node: process.version, backendPackage: backend.package, ...backend.details },
    // model/ is this run's only once it is saved at the end (a finished run resumed keeps its own).
    weightsSha256: state && state.epoch >= cfg.epochs && previous?.weightsSha256 !== undefined ? previous.weightsSha256 : null,
    ...(previous?.warnings?.length ? { warnings: previous.warnings } : {}),
    ...(hooks.lrFind ?? previous?.lrFind ? { lrFind: hooks.lrFind ?? previous?.lrFind } : {}),
    ...(previous?.resumes?.length || resumed
      ? { resumes: [...(previous?.resumes ?? []), ...(resumed && state ? [{ atEpoch: state.epoch, resumedAt: new Date().toISOString(), changed, ...(engineChanged ? { engine: engineChanged } : {}) }] : [])] }
      : {}),
  };

  // A batch too large for the engine's memory (wasm's heap) is refused up front, with a batch size that fits.
  let stepSize: StepSize | undefined;
  const checkFits = (m: tfl.LayersModel) => {
    stepSize = { batchSize: cfg.batchSize, activationFloats: activationFloatsPerImage(m), numClasses: trainSet.numClasses, pairwise: method.pairwise, replicas: workers };
    engine.checkStep?.(stepSize);
  };

  // Fresh start or resume.
  let model: tfl.LayersModel;
  let startEpoch = 0;
  let logs: EpochLog[] = [];
  let optimizerState: Float32Array | undefined;
  if (state) {
    const loaded = await loadCheckpoint(ckptDir, state);
    model = loaded.model;
    checkFits(model);
    optimizerState = loaded.optimizerState;
    startEpoch = state.epoch;
    logs = (await readEpochLog(runDir)).filter((l) => l.epoch <= startEpoch);
    await writeEpochLog(runDir, logs);
    const rates = Object.entries(changed).map(([k, [a, b]]) => `${k} ${a} -> ${b}`).join(', ');
    report({ task: 'train', message: `resuming ${runDir} after epoch ${startEpoch}${rates ? ` with ${rates}` : ''}` });
  } else {
    // Built and checked before the folder is touched.
    model = buildModel(cfg.model, shape, trainSet.numClasses, { width: cfg.width, seed: cfg.seed });
    checkFits(model);
    await fs.mkdir(runDir, { recursive: true });
    const removed = await clearRunOutputs(runDir);
    if (removed.length) report({ task: 'train', message: `--overwrite: removed ${removed.sort().join(', ')} from ${runDir}` });
    await writeEpochLog(runDir, []);
  }
  await writeManifest(runDir, manifest);
  await writeDataRecord(runDir, cfg.dataset, data);
  if (!state) report({ task: 'train', message: formatModelSummary(summarizeModel(model)) });

  const sgdOptions = { momentum: cfg.momentum, weightDecay: cfg.weightDecay };
  // One worker trains here; more train as replicas in worker threads (src/train/parallel), and
  // this model is brought up to date from worker 0 before each evaluation and checkpoint.
  let runner: StepRunner | undefined;
  if (workers > 1 && startEpoch < cfg.epochs) {
    const [h, w, c] = shape;
    const count = (ws: tfl.LayerVariable[]) => ws.reduce((k, v) => k + v.read().size, 0);
    runner = await PoolRunner.start(
      model,
      bound,
      shape,
      { workers, batch: batchRows, imageFloats: h * w * c, classes: trainSet.numClasses, params: count(model.trainableWeights), stats: count(model.nonTrainableWeights) },
      {
        backend: engine.name as BackendName, // an engine with workerThreads (checkWorkers)
        model: { name: cfg.model, shape, numClasses: trainSet.numClasses, width: cfg.width },
        method: { name: cfg.method, options: cfg, data: { numClasses: trainSet.numClasses, classCounts: data.classCounts } },
        sgd: sgdOptions,
        weights: model.weights.map((v) => v.read().dataSync() as Float32Array),
        optimizer: optimizerState,
      },
    );
  } else if (startEpoch < cfg.epochs) {
    runner = new InProcessRunner(model, bound, shape, sgdOptions, optimizerState);
  }
  let stoppedEarly: RunManifest['stoppedEarly'];
  const tensorboard = cfg.logTensorboard !== undefined && startEpoch < cfg.epochs ? await TensorBoardLog.open(cfg.logTensorboard) : undefined;
  try {
    const stepsPerEpoch = Math.min(Math.floor(n / cfg.batchSize) || 1, cfg.maxStepsPerEpoch ?? Infinity);
    const root = new Rng(cfg.seed);
    // The ETA's pace: this session's steps (validation included), over all remaining epochs.
    const sessionStart = Date.now();
    let sessionSteps = 0;
    let paceFrom: { at: number; images: number } | undefined;
    for (let epoch = startEpoch; epoch < cfg.epochs; epoch++) {
      const since = epochsSinceBest(logs);
      if (cfg.patience !== undefined && since >= cfg.patience) {
        stoppedEarly = { afterEpoch: epoch, patience: cfg.patience };
        report({ task: 'train', message: `early stop after epoch ${epoch}: no new best validation accuracy for ${since} epochs (--patience ${cfg.patience})` });
        break;
      }
      const lr = scheduledLr(cfg, epoch);
      const stepLosses: number[] = [];
      // Each epoch's randomness depends only on (seed, epoch), so a resumed run repeats it exactly.
      const rng = root.fork(`epoch:${epoch}`);
      const order = rng.permutation(n);
      const task = `epoch ${epoch + 1}/${cfg.epochs}`;
      const t0 = Date.now();
      let lossSum = 0;
      let images = 0;
      for (let step = 0; step < stepsPerEpoch; step++) {
        const idx = order.subarray(step * cfg.batchSize, Math.min(n, (step + 1) * cfg.batchSize));
        // The same Rng use whoever runs the step: augmentation, then the mixing draw.
        const batch = drawBatch(bound, trainSet, idx, aug, normalization, rng);
        let loss: number;
        let finite: boolean;
        try {
          ({ loss, finite } = await runner!.step(batch, lr, epoch + 1, step + 1));
        } catch (e) {
          const lost = engine.lostDevice?.();
          if (lost !== undefined) throw deviceLostError(lost, backend, epoch, step, runDir);
          const where = e instanceof WorkerFailure ? `in worker ${e.worker} at epoch ${epoch + 1}, step ${step + 1}` : `at epoch ${epoch + 1}, step ${step + 1}`;
          const reason = e instanceof WorkerFailure ? e.reason : e;
          const oom = stepSize && engine.outOfMemory?.(reason, stepSize, where);
          if (oom) throw oom;
          if (e instanceof WorkerFailure) throw stoppedError(`worker ${e.worker} of ${workers} failed (${e.reason})`, epoch, step, runDir, ' (add --workers 1 if it fails again)');
          throw e;
        }
        // A lost GPU device can answer reads with zeros rather than fail: ask it after every step.
        const lost = engine.lostDevice?.();
        if (lost !== undefined) throw deviceLostError(lost, backend, epoch, step, runDir);
        // The loss before the update, then the weights after it: a step can leave NaN or Inf
        // weights behind a finite loss (a huge --lr), which no later loss check would blame.
        const bad = !Number.isFinite(loss) ? `the ${cfg.method} loss became ${loss}` : !finite ? `the weights became non-finite (NaN or Infinity; the loss was ${loss})` : undefined;
        if (bad) throw divergedError(bad, epoch, step, lr, runDir);
        lossSum += loss;
        if (epoch === 0) stepLosses.push(loss);
        images += idx.length;
        // A turn of the event loop per step, so a caller's SIGINT handler runs mid-epoch.
        await new Promise<void>((resolve) => setImmediate(resolve));
        const secs = (Date.now() - t0) / 1000;
        sessionSteps++;
        // The pace of a software GPU, once shaders are compiled (steps 2-4 of this session).
        if (sessionSteps === 1) paceFrom = { at: Date.now(), images: 0 };
        else if (paceFrom) paceFrom.images += idx.length;
        if (sessionSteps === 4 && paceFrom && backend.details?.adapterKind === 'software') {
          const rate = paceFrom.images / ((Date.now() - paceFrom.at) / 1000);
          const left = trainingStepsLeft(epoch, step, cfg.epochs, stepsPerEpoch) * batchRows;
          const w = softwareGpuWarning(backend.details.adapter ?? 'unknown', rate, left, epoch + 1);
          if (w) {
            report({ task: 'train', message: `warning: ${w.message}` });
            manifest.warnings = [...(manifest.warnings ?? []), w];
            await writeManifest(runDir, manifest);
          }
        }
        const eta = etaSeconds((Date.now() - sessionStart) / 1000, sessionSteps, trainingStepsLeft(epoch, step, cfg.epochs, stepsPerEpoch));
        report({ task, done: step + 1, total: stepsPerEpoch, fields: { loss: lossSum / (step + 1), 'img/s': ((step + 1) * idx.length) / secs, lr }, eta });
      }
      const seconds = (Date.now() - t0) / 1000;
      const optimizerNow = await runner!.sync();
      const val = await evaluateSet(model, valSet, normalization, 256);
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
      await appendEpochLog(runDir, log);
      logs.push(log);
      await tensorboard?.scalars(log.epoch, { 'train/loss': log.trainLoss, 'val/loss': log.valLoss, 'val/accuracy': log.valAccuracy, lr: log.lr, 'train/images_per_second': log.imagesPerSecond });
      const warned = [epoch === 0 ? lossWarning(stepLosses, lr) : undefined, epoch + 1 === cfg.epochs ? chanceWarning(log.valAccuracy, trainSet.numClasses, log.epoch) : undefined].filter((w): w is TrainWarning => !!w);
      for (const w of warned) report({ task: 'train', message: `warning: ${w.message}` });
      if (warned.length) {
        manifest.warnings = [...(manifest.warnings ?? []), ...warned];
        await writeManifest(runDir, manifest);
      }
      // The best weights so far, written before the checkpoint that makes this epoch resumable.
      if (cfg.keep === 'best' && epochsSinceBest(logs) === 0) await saveLayersModel(model, paths.best);
      await saveCheckpoint(ckptDir, epoch + 1, model, optimizerNow);
      await hooks.onEpoch?.(log);
    }
  } finally {
    await runner?.close();
    await tensorboard?.close();
  }

  // --keep best: model/ (and the test score) are the best validation epoch's weights.
  const bestEpoch = cfg.keep === 'best' ? bestLog(logs)?.epoch : undefined;
  if (bestEpoch !== undefined) {
    const best = await loadLayersModel(paths.best);
    model.setWeights(best.getWeights());
    best.dispose();
  }
  const test = hooks.skipTest ? undefined : await evaluateSet(model, testSet, normalization, 256);
  const saved = await saveLayersModel(model, paths.model);
  const seconds = (Date.now() - started) / 1000;
  const result: RunManifest['result'] = test ? { testAccuracy: test.accuracy, testLoss: test.loss, trainSeconds: seconds } : { trainSeconds: seconds, testSkipped: true };
  const finalManifest: RunManifest = { ...manifest, weightsSha256: saved.weightsSha256, result, ...(bestEpoch !== undefined ? { bestEpoch } : {}), ...(stoppedEarly ? { stoppedEarly } : {}) };
  await writeManifest(runDir, finalManifest);
  report({ task: 'train', finished: true, message: `${test ? `test accuracy ${(100 * test.accuracy).toFixed(2)}%` : 'test split not evaluated'}; model saved to ${paths.model}${bestEpoch !== undefined ? ` (the best validation epoch, ${bestEpoch})` : ''}` });
  model.dispose();
  return { runDir, epochs: logs, testAccuracy: test?.accuracy ?? NaN, seconds, manifest: finalManifest, warnings: finalManifest.warnings ?? [] };
}

/** The epoch log with the best validation accuracy (the first of equals), if any epoch has one. */
function bestLog(logs: readonly EpochLog[]): EpochLog | undefined {
  let best: EpochLog | undefined;
  for (const l of logs) if (Number.isFinite(l.valAccuracy) && (!best || l.valAccuracy > best.valAccuracy)) best = l;
  return best;
}

/** Epochs logged since the best validation accuracy (0: the last epoch is the best). */
function epochsSinceBest(logs: readonly EpochLog[]): number {
  const best = bestLog(logs);
  return best ? logs.length - logs.indexOf(best) - 1 : 0;
}

/**
 * The worker count: the config's, else the engine's default (one per core on wasm, 1 where the
 * engine threads itself), at most `cap` (the study's share of the cores, the model's own cap) and
 * one per image of a batch.
 */
function checkWorkers(asked: number | undefined, engine: TrainingEngine, batchRows: number, cap = Infinity): number {
  if (asked === undefined) return Math.max(1, Math.min(engine.workerThreads ? engine.defaultWorkers() : 1, batchRows, cap));
  if (asked > 1 && !engine.workerThreads) {
    throw new IcmixError(`--workers ${asked}: the ${engine.name} engine runs its own threads and trains in one process; use --workers 1, or --backend wasm for worker threads`);
  }
  if (asked > batchRows) {
    throw new IcmixError(`--workers ${asked} is more than the ${batchRows} images of a batch (each worker takes at least one); use --workers ${batchRows} or fewer, or a larger --batch-size`);
  }
  return asked;
}

/** Accuracy and mean cross-entropy of the model (inference mode) on a whole set. */
export async function evaluateSet(model: tfl.LayersModel, set: ImageSet, norm: Normalization, batchSize: number): Promise<{ accuracy: number; loss: number }> {
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
    const [argmax, logpOfLabel] = tf.tidy(() => {
      const logits = model.predict(tf.tensor4d(images, [e - s, h, w, c])) as tf.Tensor2D;
      const logp = tf.logSoftmax(logits);
      return [tf.argMax(logits, 1), tf.sum(tf.mul(logp, tf.oneHot(tf.tensor1d(labels, 'int32'), logits.shape[1])), 1)];
    });
    // Asynchronous reads: webgpu in Node has no synchronous one.
    const [pred, nll] = await Promise.all([argmax.data(), logpOfLabel.data()]);
    tf.dispose([argmax, logpOfLabel]);
    for (let i = 0; i < e - s; i++) {
      if (pred[i] === labels[i]) correct++;
      lossSum -= nll[i];
    }
  }
  return { accuracy: correct / n, loss: lossSum / n };
}

/** A run stopped because its loss or weights became non-finite (a learning-rate sweep scores it as diverged). */
export class TrainingDiverged extends IcmixError {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingDiverged';
  }
}

/** Why a run diverged at (epoch, step), with the checkpoint it keeps and how to continue it. */
function divergedError(what: string, epoch: number, step: number, lr: number, runDir: string): TrainingDiverged {
  return new TrainingDiverged(stoppedError(`${what}`, epoch, step, runDir, ` and a lower --lr${epoch === 0 ? '' : ' (or --lr-gamma)'}, or check the input data`, ` (lr ${lr})`).message);
}

/**
 * A run stopped by `what` at (epoch, step), 0-based: names the checkpoint it keeps, and how to go
 * on (`remedy` follows '--resume' or '--overwrite': ' and a lower --lr, ...').
 */
/** The engine's GPU device was lost mid-run: its tensors are gone, the last checkpoint is not. */
function deviceLostError(reason: string, backend: { details?: Record<string, string> }, epoch: number, step: number, runDir: string): IcmixError {
  const adapter = backend.details?.adapter ? ` on adapter '${backend.details.adapter}'` : '';
  return stoppedError(`the GPU device${adapter} was lost (${reason})`, epoch, step, runDir, '; check the GPU with `icmix doctor` first (a driver reset, a removed or overheated GPU)');
}

function stoppedError(what: string, epoch: number, step: number, runDir: string, remedy: string, detail = ''): IcmixError {
  const where = `${what} at epoch ${epoch + 1}, step ${step + 1}${detail}`;
  if (epoch === 0) return new IcmixError(`${where}; no epoch finished, so there is no checkpoint to keep: start again with --overwrite${remedy}`);
  return new IcmixError(`${where}; the checkpoint after epoch ${epoch} in ${checkpointDir(runDir)} is kept: continue it with --resume${remedy}`);
}
