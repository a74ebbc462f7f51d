/**
 * `evaluate()`: an exported ONNX model on one or more runtimes over the id, ood and corruption
 * suites, with cross-runtime parity, as an EvalReport. Each evaluation set is made once and run
 * on every runtime in turn, so corruption sets are generated once and only one is in memory.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { convertChannels, loadDataset, shapeOptions } from '../data/index.js';
import type { BackendName } from '../backend/select.js';
import { checkMadeFromRun, checkModelFile, RUN_FILES, runFolderOf, runPaths } from '../run/index.js';
import { META } from '../types.js';
import { IcmixError } from '../util/errors.js';
import { ICMIX_VERSION } from '../version.js';
import { classificationMetrics, confusionMatrix, ece, nll, accuracy, oodSetMetrics, parityResult, summariseCorruptions, DEFAULT_BINS } from './metrics/index.js';
import { testSetOf } from './evaluation-data.js';
import type { ModelInfo } from './model-info.js';
import { classOrderMismatch, loadModelInfo, shapeMismatch, type ModelOverrides } from './model-overrides.js';
import { batchCount, DEFAULT_BATCH_SIZE, predict, type Predictions } from './predict.js';
import type { CalibrationResult, CorruptionResult, EvalReport, OodScoreName, OodSetResult, ParityResult, RuntimeResult } from './report/types.js';
import { OOD_SCORE_NAMES, REPORT_SCHEMA_VERSION } from './report/types.js';
import { createRuntime, DEFAULT_RUNTIME, type FallbackRuntime, type InferenceRuntime, type RuntimeName } from './runtimes/index.js';
import { buildOodSets, corruptionSets, corruptionSuiteSize, getCorruption, idSet, SEVERITIES, SUITE_NAMES, type EvalImages, type SuiteName } from './suites/index.js';
import type { OnProgress } from '../util/progress-event.js';
import { checkOptions, nonNegativeInt, positiveInt, type RuleTable } from '../util/ranges.js';

/** The CLI's default corruption subset: 12 corruptions x 5 severities x 1000 images per runtime. */
export const DEFAULT_CORRUPTION_SAMPLES = 1000;
/** The CLI's default cap per OOD set (MNIST's test split has 2000 images). */
export const DEFAULT_OOD_SAMPLES = 2000;

export interface EvaluateOptions {
  /** Path of the .onnx model. */
  model: string;
  /** Evaluation dataset; default the model's icmix.dataset metadata. */
  dataset?: string;
  dataDir?: string;
  /** Folder datasets: stop at a file that does not decode instead of skipping it. */
  strict?: boolean;
  /** Folder datasets: most width x height pixels a file may declare (default: the image room's DEFAULT_MAX_IMAGE_PIXELS). */
  maxImagePixels?: number;
  /** Default [DEFAULT_RUNTIME] (cpu); the first is the primary one. */
  runtimes?: RuntimeName[];
  /** Default all: id, ood, corruptions. */
  suites?: SuiteName[];
  batchSize?: number;
  /** Equal-width ECE bins (default 15). */
  bins?: number;
  /** Seed for subsets, synthetic OOD sets and corruptions (default 0). */
  seed?: number;
  /** Evaluate the id suite on a seeded subset of this many test images. */
  limit?: number;
  /** OOD set names (datasets or synthetic); default depends on the dataset. */
  ood?: string[];
  /** At most this many images per OOD set. */
  oodSamples?: number;
  /** Folder for OOD datasets that need one. */
  oodDataDir?: string;
  /** Corruption names (default all). */
  corruptions?: string[];
  /** Seeded subset of the test split for the corruption suite (bounds time); default all. */
  corruptionSamples?: number;
  severities?: number[];
  /** Runtime options. */
  threads?: number;
  fallback?: FallbackRuntime;
  /** tfjs: the run folder (default: the model's folder). */
  runDir?: string;
  tfjsBackend?: BackendName;
  /** For models made elsewhere: what their metadata does not say (layout, normalisation, ...); overrides metadata. */
  overrides?: ModelOverrides;
  /** Progress: one message event per phase (the CLI prints them on stderr). */
  onProgress?: OnProgress;
}

/** The allowed range of every numeric evaluation option (the CLI's flags use the same table). */
export const EVAL_RULES: RuleTable<EvaluateOptions> = {
  batchSize: positiveInt,
  bins: positiveInt,
  seed: nonNegativeInt,
  limit: positiveInt,
  oodSamples: positiveInt,
  corruptionSamples: positiveInt,
  severities: { type: 'int', min: SEVERITIES[0], max: SEVERITIES[SEVERITIES.length - 1], list: true },
  threads: positiveInt,
  maxImagePixels: positiveInt,
};

/** Which OOD scores make sense: with a probability output the logit scale is gone (energy is 0, max logit = log MSP). */
function oodScoresFor(info: ModelInfo): readonly OodScoreName[] {
  return info.output === 'probabilities' ? ['msp', 'negEntropy'] : OOD_SCORE_NAMES;
}

/** Parity accumulated over several sets (the pooled corruption suite). */
interface PooledParity {
  n: number;
  agree: number;
  maxAbsDiff: number;
}

export async function evaluate(opts: EvaluateOptions): Promise<EvalReport> {
  checkOptions(opts, EVAL_RULES, 'evaluate');
  const log = (message: string) => opts.onProgress?.({ task: 'evaluate', message });
  const loaded = await loadModelInfo(opts.model, opts.overrides);
  const info = loaded.info;
  for (const note of loaded.notes) log(note);
  // A model.onnx (and its calibration.json) left from an earlier run in the folder is refused
  // before any inference, so no report describes weights the run no longer has.
  const weightsSha256 = info.metadata[META.weightsSha256];
  await checkModelFile(opts.model, weightsSha256);
  const runDir = runFolderOf(opts.model);
  const calibration = await calibrationFor(opts.model, runDir);
  const datasetName = opts.dataset ?? info.dataset;
  if (!datasetName) {
    throw new IcmixError(`${opts.model} does not record its dataset (metadata icmix.dataset); name the evaluation data with --dataset`);
  }
  const suites = opts.suites ?? [...SUITE_NAMES];
  if (suites.length === 0) throw new IcmixError(`name at least one suite: ${SUITE_NAMES.join(', ')}`);
  for (const s of suites) if (!SUITE_NAMES.includes(s)) throw new IcmixError(`unknown suite '${s}'; choose from: ${SUITE_NAMES.join(', ')}`);
  const runtimeNames = opts.runtimes ?? [DEFAULT_RUNTIME];
  if (runtimeNames.length === 0) throw new IcmixError('name at least one runtime');
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  const bins = opts.bins ?? DEFAULT_BINS;
  const seed = opts.seed ?? 0;
  const C = info.numClasses;
  // Check names before any inference, so a typo fails in seconds, not after the id suite.
  if (suites.includes('corruptions')) {
    for (const c of opts.corruptions ?? []) getCorruption(c);
    for (const s of opts.severities ?? []) if (!SEVERITIES.includes(s as 1)) throw new IcmixError(`corruption severities are ${SEVERITIES.join(', ')}; got ${s}`);
  }

  log(`loading ${datasetName}`);
  // No onProgress means none at all (--quiet), also while a folder dataset is decoded.
  const quiet = () => {};
  // A folder dataset is decoded at the model's input size and channels; which of its images are
  // the test set depends on whose folder it is (evaluation-data.ts).
  const which = await testSetOf(datasetName, opts.dataDir, info.dataset, runDir);
  const data = await loadDataset(datasetName, { dir: opts.dataDir, strict: opts.strict, maxImagePixels: opts.maxImagePixels, onProgress: opts.onProgress ?? quiet, ...shapeOptions(datasetName, info.inputShape), ...which.options });
  if (data.testSplit) log(`test set: ${data.testSplit}${which.why ? ` (${which.why})` : ''}`);
  let test = data.test;
  // Grey data for an RGB model (or the reverse) is converted as serve and predict convert files.
  const converted = test.shape[0] === info.inputShape[0] && test.shape[1] === info.inputShape[1] ? convertChannels(test, info.inputShape[2]) : undefined;
  if (converted) {
    log(`${datasetName} images have ${test.shape[2]} channel(s), ${opts.model} takes ${info.inputShape[2]}: converted as serve and predict convert image files (${test.shape[2] === 1 ? 'grey repeated in R, G and B' : 'RGB to luma 0.299 R + 0.587 G + 0.114 B'})`);
    test = converted;
  }
  const mismatch = shapeMismatch(datasetName, test.shape, loaded);
  if (mismatch) throw new IcmixError(mismatch);
  if (test.numClasses > C) {
    throw new IcmixError(`${datasetName} has ${test.numClasses} classes but ${opts.model} outputs ${C}; evaluate on the dataset the model was trained for`);
  }
  const order = info.metadata[META.classNames] !== undefined ? classOrderMismatch(datasetName, test.classNames, info.classNames, opts.model) : undefined;
  if (order) throw new IcmixError(order);

  const runtimes: InferenceRuntime[] = [];
  const results: RuntimeResult[] = [];
  const seconds: number[] = [];
  try {
    for (const name of runtimeNames) {
      log(`starting runtime ${name}`);
      const rt = await createRuntime(name, opts.model, { threads: opts.threads, fallback: opts.fallback, runDir: opts.runDir, backend: opts.tfjsBackend, info });
      runtimes.push(rt);
      results.push({ runtime: rt.name, ...(rt.requested !== rt.name ? { requested: rt.requested } : {}), ...(rt.note ? { note: rt.note } : {}), suites: {} });
      seconds.push(0);
    }
    const labels = runtimes.map((r, i) => (runtimes.findIndex((q) => q.name === r.name) === i ? r.name : `${r.name}#${i + 1}`));

    const needId = suites.includes('id') || suites.includes('ood');
    const id = idSet(test, { limit: opts.limit, seed });
    // OOD sets are built before any inference so that one bar can count every batch up front.
    let oodSets: Awaited<ReturnType<typeof buildOodSets>> = [];
    if (suites.includes('ood')) {
      log('building OOD sets');
      oodSets = await buildOodSets(id, { names: opts.ood, dataset: datasetName, samples: opts.oodSamples, dataDir: opts.oodDataDir, seed });
    }
    const corruptionOpts = { names: opts.corruptions, severities: opts.severities, samples: opts.corruptionSamples, seed };
    const corruptionSize = suites.includes('corruptions') ? corruptionSuiteSize(test.labels.length, corruptionOpts) : { sets: 0, n: 0 };
    // One bar over all suites and runtimes: every batch of every set on every runtime.
    const totalBatches =
      runtimes.length *
      ((needId ? batchCount(info, id.n, batchSize) : 0) +
        oodSets.reduce((s, set) => s + batchCount(info, set.n, batchSize), 0) +
        corruptionSize.sets * batchCount(info, corruptionSize.n, batchSize));
    let doneBatches = 0;

    /** Run every runtime on one set; returns predictions per runtime. */
    const runAll = async (set: EvalImages, what: string): Promise<Predictions[]> => {
      const out: Predictions[] = [];
      for (let i = 0; i < runtimes.length; i++) {
        const t0 = performance.now();
        const onProgress = () => opts.onProgress?.({ task: 'evaluate', done: ++doneBatches, total: totalBatches, fields: { set: what, on: labels[i] } });
        out.push(await predict(runtimes[i], info, set.images, set.n, { batchSize, onProgress }));
        seconds[i] += (performance.now() - t0) / 1000;
      }
      return out;
    };
    const parity: ParityResult[] = [];
    const addParity = (preds: Predictions[], suite: string) => {
      for (let a = 0; a < preds.length; a++) for (let b = a + 1; b < preds.length; b++) parity.push(parityResult(labels[a], preds[a].probs, labels[b], preds[b].probs, C, suite));
    };

    let idPreds: Predictions[] = [];
    if (needId) {
      idPreds = await runAll(id, 'id');
      if (suites.includes('id')) {
        idPreds.forEach((p, i) => {
          results[i].suites.id = { ...classificationMetrics(p.probs, id.labels, C, { bins }), confusion: confusionMatrix(p.probs, id.labels, C) };
        });
        addParity(idPreds, 'id');
      }
      idPreds.forEach((_, i) => (results[i].timing = { seconds: 0, idImagesPerSecond: id.n / Math.max(seconds[i], 1e-9) }));
    }

    if (suites.includes('ood')) {
      const sets = oodSets;
      const scores = oodScoresFor(info);
      for (const r of results) r.suites.ood = [];
      for (const set of sets) {
        const preds = await runAll(set, set.key);
        preds.forEach((p, i) => {
          const res: OodSetResult = { name: set.name, kind: set.kind, n: set.n, scores: oodSetMetrics(idPreds[i].logits, p.logits, C, scores) };
          results[i].suites.ood!.push(res);
        });
        addParity(preds, set.key);
      }
    }

    if (suites.includes('corruptions')) {
      const perRuntime: CorruptionResult[][] = runtimes.map(() => []);
      const pooled = new Map<string, PooledParity>();
      for (const set of corruptionSets(test, corruptionOpts)) {
        const preds = await runAll(set, set.key);
        preds.forEach((p, i) => {
          perRuntime[i].push({
            corruption: set.corruption,
            severity: set.severity,
            n: set.n,
            accuracy: accuracy(p.probs, set.labels!, C),
            ece: ece(p.probs, set.labels!, C, bins),
            nll: nll(p.probs, set.labels!, C),
          });
        });
        for (let a = 0; a < preds.length; a++) {
          for (let b = a + 1; b < preds.length; b++) {
            const r = parityResult(labels[a], preds[a].probs, labels[b], preds[b].probs, C, 'corruptions');
            const key = `${a}/${b}`;
            const acc = pooled.get(key) ?? { n: 0, agree: 0, maxAbsDiff: 0 };
            acc.n += r.n;
            acc.agree += r.top1Agreement * r.n;
            acc.maxAbsDiff = Math.max(acc.maxAbsDiff, r.maxAbsDiff);
            pooled.set(key, acc);
          }
        }
      }
      perRuntime.forEach((rs, i) => {
        if (rs.length) results[i].suites.corruptions = summariseCorruptions(rs);
      });
      for (const [key, p] of pooled) {
        const [a, b] = key.split('/').map(Number);
        parity.push({ a: labels[a], b: labels[b], suite: 'corruptions', n: p.n, top1Agreement: p.agree / p.n, maxAbsDiff: p.maxAbsDiff });
      }
    }

    opts.onProgress?.({
      task: 'evaluate',
      finished: true,
      message: `evaluated ${totalBatches} batches (${suites.join(', ')}) on ${labels.join(', ')} in ${seconds.reduce((a, b) => a + b, 0).toFixed(1)} s of inference`,
    });
    results.forEach((r, i) => {
      r.timing = { seconds: seconds[i], ...(r.timing?.idImagesPerSecond !== undefined ? { idImagesPerSecond: r.timing.idImagesPerSecond } : {}) };
    });

    return {
      schemaVersion: REPORT_SCHEMA_VERSION,
      icmixVersion: ICMIX_VERSION,
      createdAt: new Date().toISOString(),
      model: {
        path: opts.model,
        ...(info.method ? { method: info.method } : {}),
        ...(info.dataset ? { dataset: info.dataset } : {}),
        classNames: info.classNames,
        inputShape: info.inputShape,
        temperature: info.temperature,
        output: info.output,
        inputLayout: info.inputLayout,
        normalizationBaked: info.normalizationBaked,
        ...(weightsSha256 ? { weightsSha256 } : {}),
        ...(runDir ? { runDir } : {}),
      },
      dataset: { name: datasetName, testSize: test.labels.length, source: data.source, ...(data.testSplit ? { testSplit: data.testSplit } : {}) },
      settings: {
        suites: [...suites],
        bins,
        batchSize,
        seed,
        ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
        // Caps the suites applied (0 or absent = no cap), so a reader knows what the means cover.
        ...(opts.oodSamples ? { oodSamples: opts.oodSamples } : {}),
        ...(opts.corruptionSamples ? { corruptionSamples: opts.corruptionSamples } : {}),
      },
      runtimes: results,
      ...(calibration ? { calibration } : {}),
      ...(parity.length ? { parity } : {}),
    };
  } finally {
    for (const rt of runtimes) await rt.dispose();
  }
}

// Run-folder knowledge lives in src/run; re-exported for the infer API.

/** File `icmix calibrate` writes next to model.calibrated.onnx: its CalibrationResult. */
export const CALIBRATION_FILE = RUN_FILES.calibration;

/** The calibration result for a calibrated model in a run folder (written by `icmix calibrate`). */
async function calibrationFor(modelPath: string, runDir: string | undefined): Promise<CalibrationResult | undefined> {
  if (!runDir || path.basename(modelPath) !== RUN_FILES.calibratedOnnx) return undefined;
  return readCalibrationFile(runDir);
}

/** A run folder's calibration.json, reduced to the report's CalibrationResult; undefined if absent. */
export async function readCalibrationFile(runDir: string): Promise<CalibrationResult | undefined> {
  const file = runPaths(runDir).calibration;
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let c: CalibrationResult & { weightsSha256?: unknown };
  try {
    c = JSON.parse(text) as CalibrationResult;
  } catch (e) {
    throw new IcmixError(`${file} is not valid JSON (${(e as Error).message}); run icmix calibrate ${runDir} again`);
  }
  // Fitted on other weights (an earlier run in the folder): its temperature would be wrong here.
  await checkMadeFromRun(runDir, file, typeof c.weightsSha256 === 'string' ? c.weightsSha256 : undefined);
  // Only the report's fields: the file also records the OOD threshold and the model name.
  const { temperature, fitSplit, fitNllBefore, fitNllAfter, before, after, reliabilityAfter } = c;
  return { temperature, fitSplit, fitNllBefore, fitNllAfter, before, after, ...(reliabilityAfter ? { reliabilityAfter } : {}) };
}
