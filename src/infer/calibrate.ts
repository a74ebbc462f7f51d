/**
 * `icmix calibrate`: temperature scaling fitted on a run's validation split (regenerated exactly
 * from the manifest), an OOD threshold on the calibrated max-softmax score at 95% validation TPR,
 * and a calibrated ONNX: the run's model.onnx with Div by T and Softmax appended (probabilities
 * out) and every metadata entry kept, plus the temperature and the threshold.
 */
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { useBackend, type BackendName } from '../backend/select.js';
import { appendTemperatureSoftmax, decodeModel, encodeModel } from '../onnx/index.js';
import { checkModelFile, readDataRecord, readManifest, regenerateSplits, RUN_FILES, runPaths } from '../run/index.js';
import { checkReplaceable } from '../run/replace.js';
import { META } from '../types.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { IcmixError } from '../util/errors.js';
import { maxAbsDiff, mspScore, softmax, temperatureCalibration, thresholdAtTpr } from './metrics/index.js';
import { MAX_DEFAULT_TEMPERATURE } from './metrics/temperature.js';
import { readModelInfo, type ModelInfo, type OodThreshold } from './model-info.js';
import type { ImageSet } from '../data/index.js';
import { loadModelInfo, type ModelOverrides } from './model-overrides.js';
import { DEFAULT_BATCH_SIZE, predict, predictRaw } from './predict.js';
import type { CalibrationResult } from './report/types.js';
import { createRuntime, DEFAULT_RUNTIME } from './runtimes/index.js';
import type { OnProgress } from '../util/progress-event.js';
import { checkOptions, positiveInt, type RuleTable } from '../util/ranges.js';

export const DEFAULT_OOD_TPR = 0.95;

export interface CalibrateOptions {
  /** Where to write the calibrated model (default runDir/model.calibrated.onnx); its record goes beside it as <name>.calibration.json. */
  out?: string;
  /** Replace an --out file (or its record) made from other weights, or not by icmix (default: refuse). */
  force?: boolean;
  /** Dataset folder, when the run's dataset needs one (default: the run's --data-dir). */
  dataDir?: string;
  /** Equal-width ECE bins (default 15). */
  bins?: number;
  /** In-distribution TPR the OOD threshold keeps on the validation split (default 0.95). */
  tpr?: number;
  batchSize?: number;
  threads?: number;
  /** tfjs backend for loading and exporting the trained model (default 'auto'). */
  backend?: BackendName;
  /** Progress: one message event per phase. */
  onProgress?: OnProgress;
  /**
   * The logits graph to calibrate when it is not the run's model.onnx (e.g. a fresh export in a
   * scratch folder; `icmix calibrate` makes one for a run that was never exported), with the
   * fingerprint of the weights it was exported from.
   */
  source?: { path: string; weightsSha256: string };
}

/** The allowed range of every numeric calibration option (the CLI's flags use the same table). */
export const CALIBRATE_RULES: RuleTable<CalibrateOptions> = {
  bins: positiveInt,
  tpr: { type: 'number', min: 0, max: 1, exclusiveMin: true },
  batchSize: positiveInt,
  threads: positiveInt,
};

export interface CalibrateResult {
  /** The calibrated model written. */
  path: string;
  calibration: CalibrationResult;
  oodThreshold: OodThreshold;
  /** max |p_onnx − softmax(z / T)| on the test split: the written graph against the fit. */
  verificationMaxAbsDiff: number;
  /** Where the CalibrationResult was saved (runDir/calibration.json), read by `icmix eval`. */
  calibrationFile: string;
}

/** Temperature and OOD threshold from validation logits; before/after metrics on test logits. */
export function calibrateFromLogits(
  val: { logits: Float32Array; labels: Int32Array },
  test: { logits: Float32Array; labels: Int32Array },
  numClasses: number,
  opts: { bins?: number; tpr?: number } = {},
): { calibration: CalibrationResult; oodThreshold: OodThreshold } {
  const calibration = temperatureCalibration({ ...val, split: 'val' }, test, numClasses, { bins: opts.bins });
  const tpr = opts.tpr ?? DEFAULT_OOD_TPR;
  const threshold = thresholdAtTpr(mspScore(val.logits, numClasses, calibration.temperature), tpr);
  return { calibration, oodThreshold: { score: 'msp', threshold, tpr } };
}

// The split is made in one place (src/run/split.ts); re-exported for the infer API.

/** `<dir>/<name>.calibration.json` beside `<dir>/<name>.onnx`: a calibrated copy's record. */
export function calibrationRecordPath(out: string): string {
  return path.join(path.dirname(out), `${path.basename(out, '.onnx')}.calibration.json`);
}

/** Calibrate a run folder written by `icmix train`. */
export async function calibrateRun(runDir: string, opts: CalibrateOptions = {}): Promise<CalibrateResult> {
  checkOptions(opts, CALIBRATE_RULES, 'calibrate');
  const log = (message: string) => opts.onProgress?.({ task: 'calibrate', message });
  const manifest = await readManifest(runDir);
  await useBackend(opts.backend ?? 'auto');
  log(`regenerating the validation split of ${manifest.dataset.name}`);
  const { val, test } = await regenerateSplits(manifest, opts.dataDir, opts.onProgress ?? (() => {}), await readDataRecord(runDir)); // none: --quiet, also while a folder is decoded

  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'icmix-calibrate-'));
  try {
    // The run's model.onnx (the graph that gets calibrated), or the caller's fresh export of it.
    const source = opts.source?.path ?? runPaths(runDir).onnx;
    let weightsSha256 = opts.source?.weightsSha256;
    if (!existsSync(source)) {
      throw new IcmixError(
        `${source} does not exist: calibration edits the exported graph. Export the run first ` +
          `(\`icmix export ${runDir}\`), or run \`icmix calibrate ${runDir}\`, which exports into a scratch folder itself`,
      );
    }
    const info = await readModelInfo(source);
    if (weightsSha256 === undefined) {
      // A model.onnx left from an earlier run in the folder would calibrate other weights.
      weightsSha256 = info.metadata[META.weightsSha256];
      await checkModelFile(source, weightsSha256);
    }
    if (info.output !== 'logits' || info.temperature !== 1) {
      throw new IcmixError(
        `${source} outputs ${info.output}${info.temperature !== 1 ? ` at temperature ${info.temperature}` : ''}; calibration fits T on plain logits. ` +
          `Re-export it with \`icmix export ${runDir}\` (without --probabilities or --temperature) and calibrate again`,
      );
    }
    const C = info.numClasses;
    const out = opts.out ?? runPaths(runDir).calibratedOnnx;
    // The run's own calibration.json beside its model.calibrated.onnx (eval reads it); any other
    // --out gets its own <name>.calibration.json, so two calibrations in one folder both survive.
    const own = path.resolve(out) === path.resolve(runPaths(runDir).calibratedOnnx);
    const calibrationFile = own ? runPaths(runDir).calibration : calibrationRecordPath(out);
    if (!own) {
      for (const f of [out, calibrationFile]) await checkReplaceable(f, { weightsSha256 }, { force: opts.force, flag: '--out' });
    }
    // The source graph emits logits (checked above), so the raw outputs are the logits.
    const { val: valLogits, test: testLogits } = await valTestOutputs(source, info, val, test, opts, log);
    const { calibration, oodThreshold, verificationMaxAbsDiff } = await writeCalibratedModel({
      source,
      out,
      scratch,
      val: { logits: valLogits, labels: val.labels },
      test: { images: test.images, logits: testLogits, labels: test.labels },
      numClasses: C,
      opts,
      log,
    });
    // The weights' fingerprint lets eval refuse this file once the run's weights change.
    await writeJsonAtomic(calibrationFile, { ...calibration, oodThreshold, model: path.basename(out), ...(weightsSha256 ? { weightsSha256 } : {}) });
    return { path: out, calibration, oodThreshold, verificationMaxAbsDiff, calibrationFile };
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

/** The graph's raw outputs on the validation and the test images (one CPU session). */
export async function valTestOutputs(
  model: string,
  info: ModelInfo,
  val: Pick<ImageSet, 'images' | 'labels'>,
  test: Pick<ImageSet, 'images' | 'labels'>,
  opts: Pick<CalibrateOptions, 'threads' | 'batchSize'>,
  log: (message: string) => void,
): Promise<{ val: Float32Array; test: Float32Array }> {
  const rt = await createRuntime(DEFAULT_RUNTIME, model, { threads: opts.threads, info });
  try {
    log(`predicting ${val.labels.length} validation and ${test.labels.length} test images`);
    return {
      val: await predictRaw(rt, info, val.images, val.labels.length, { batchSize: opts.batchSize }),
      test: await predictRaw(rt, info, test.images, test.labels.length, { batchSize: opts.batchSize }),
    };
  } finally {
    await rt.dispose();
  }
}

/** What writeCalibratedModel needs: the graph, the logits to fit on and check with, where to write. */
export interface CalibratedModelJob {
  /** The graph to calibrate: it outputs logits, or probabilities with `fromProbabilities`. */
  source: string;
  out: string;
  /** A folder for the candidate, removed by the caller. */
  scratch: string;
  val: { logits: Float32Array; labels: Int32Array };
  /** The test split's images (to run the written graph on) and the logits its check compares with. */
  test: { images: Float32Array; logits: Float32Array; labels: Int32Array };
  numClasses: number;
  /** Metadata added to (or replacing) the source's, besides output, temperature and threshold. */
  metadata?: Record<string, string>;
  /** The graph outputs probabilities: the calibrated graph takes their log first (see appendTemperatureSoftmax). */
  fromProbabilities?: boolean;
  /** Model overrides the calibrated graph is read with (a model made elsewhere); icmix's own need none. */
  overrides?: ModelOverrides;
  opts: Pick<CalibrateOptions, 'bins' | 'tpr' | 'batchSize' | 'threads'>;
  log: (message: string) => void;
}

/**
 * Fit T and the OOD threshold on the validation logits, append Div by T and Softmax to the source
 * graph with T and the threshold in its metadata, check in scratch that the written graph gives
 * softmax(logits / T) on the test images, then replace `out` atomically: a failed check or a crash
 * leaves the previous calibrated model as it was.
 */
export async function writeCalibratedModel(job: CalibratedModelJob): Promise<{ calibration: CalibrationResult; oodThreshold: OodThreshold; verificationMaxAbsDiff: number }> {
  const { out, test, numClasses: C, opts } = job;
  const { calibration, oodThreshold } = calibrateFromLogits(job.val, test, C, opts);
  if (calibration.temperature >= MAX_DEFAULT_TEMPERATURE * (1 - 1e-6)) {
    // The NLL wants T = ∞ (uniform): the honest fit, but almost always a sign of the wrong data.
    job.log(
      `warning: the validation NLL still falls at T = ${MAX_DEFAULT_TEMPERATURE.toExponential(2)}, the largest T tried: the model scores the true class below the average class, ` +
        'so the calibrated probabilities are near-uniform; check that the data and its preprocessing are the ones the model was trained with (--dataset, --input-layout, --mean/--std, --input-range)',
    );
  }
  job.log(`T = ${calibration.temperature.toFixed(4)}; writing the calibrated model`);
  const calibrated = appendTemperatureSoftmax(
    decodeModel(await fs.readFile(job.source), job.source),
    calibration.temperature,
    {
      ...job.metadata,
      [META.output]: 'probabilities',
      [META.temperature]: String(calibration.temperature),
      [META.oodThreshold]: JSON.stringify(oodThreshold),
    },
    { fromProbabilities: job.fromProbabilities },
  );
  const candidate = path.join(job.scratch, 'calibrated.onnx');
  await fs.writeFile(candidate, encodeModel(calibrated));

  // Check the written graph: its probabilities must be softmax(z / T) of the fitted logits.
  const calInfo = (await loadModelInfo(candidate, job.overrides)).info;
  if (calInfo.output !== 'probabilities' || Math.abs(calInfo.temperature - calibration.temperature) > 1e-9 * calibration.temperature) {
    throw new IcmixError(`${out} (not written): the calibrated graph does not record output=probabilities and T=${calibration.temperature} in its metadata`);
  }
  const calRt = await createRuntime(DEFAULT_RUNTIME, candidate, { threads: opts.threads, info: calInfo });
  let probs: Float32Array;
  try {
    probs = (await predict(calRt, calInfo, test.images, test.labels.length, { batchSize: opts.batchSize ?? DEFAULT_BATCH_SIZE })).probs;
  } finally {
    await calRt.dispose();
  }
  const verificationMaxAbsDiff = maxAbsDiff(probs, softmax(test.logits, C, calibration.temperature), C);
  if (verificationMaxAbsDiff > 1e-4) {
    throw new IcmixError(`${out} (not written) does not reproduce softmax(logits / T) (max |Δp| = ${verificationMaxAbsDiff}); please report this as a bug`);
  }
  await writeFileAtomic(out, await fs.readFile(candidate));
  return { calibration, oodThreshold, verificationMaxAbsDiff };
}
