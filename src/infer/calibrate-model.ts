/**
 * `icmix calibrate MODEL.onnx --dataset D`: calibration of a model made elsewhere (no run folder,
 * no manifest). The temperature and the OOD threshold are fitted on a validation split held out of
 * the dataset's training set exactly as `icmix train` holds one out (src/run's runSplit: seeded,
 * stratified; a folder dataset's own val/ when it has one), never on the test split, which only
 * gives the before/after table and the check of the written graph. The calibrated copy records the
 * flags it was read with (layout, normalisation, range, class names), T, the threshold and how T
 * was fitted, so eval, serve and predict read it without flags.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { convertChannels, shapeOptions } from '../data/index.js';
import { PROBABILITY_FLOOR } from '../onnx/index.js';
import { runSplit } from '../run/index.js';
import { META } from '../types.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { IcmixError } from '../util/errors.js';
import { checkOptions, nonNegativeInt, positiveInt, type RuleTable } from '../util/ranges.js';
import { checkReplaceable } from '../run/replace.js';
import { CALIBRATE_RULES, calibrationRecordPath, valTestOutputs, writeCalibratedModel, type CalibrateOptions, type CalibrateResult } from './calibrate.js';
import { CALIBRATION_META, sourceRecord, type SourceRecord } from './calibrated-source.js';
import type { OodThreshold } from './model-info.js';
import { classOrderMismatch, loadModelInfo, shapeMismatch, type ModelOverrides } from './model-overrides.js';


export interface CalibrateModelOptions extends Omit<CalibrateOptions, 'source' | 'backend' | 'dataDir'> {
  /** The dataset the model classifies (any name icmix reads, e.g. cifar10, folder:<dir>); default: its icmix.dataset metadata. */
  dataset?: string;
  dataDir?: string;
  /** Validation images held out of the training set (default: as train, 10% up to 5000). */
  valSize?: number;
  /** Seed of the hold-out (default 0, icmix train's default). */
  seed?: number;
  /** Folder datasets: stop at a file that does not decode. */
  strict?: boolean;
  /** Folder datasets: most width x height pixels a file may declare. */
  maxImagePixels?: number;
  /** What the model's metadata does not say (the flags for models made elsewhere). */
  overrides?: ModelOverrides;
}

export const CALIBRATE_MODEL_RULES: RuleTable<CalibrateModelOptions> = {
  ...(CALIBRATE_RULES as RuleTable<CalibrateModelOptions>),
  valSize: nonNegativeInt,
  seed: nonNegativeInt,
  maxImagePixels: positiveInt,
};

/** How the temperature of a model made elsewhere was fitted: recorded in its metadata and its calibration record. */
export interface FitRecord extends Partial<SourceRecord> {
  dataset: string;
  /** 'val': never the test split. */
  split: 'val';
  /** In words, e.g. "stratified hold-out of cifar10's training set (seed 0), as icmix train's". */
  splitHow: string;
  valSize: number;
  seed: number;
  /** 'logits', or 'log of the probabilities' for a model ending in a softmax. */
  logitsFrom: 'logits' | 'log of the probabilities';
}

export interface CalibrateModelResult extends CalibrateResult {
  fit: FitRecord;
  notes: string[];
}

/** `<dir>/<name>.calibrated.onnx` for `<dir>/<name>.onnx`. */
export function defaultCalibratedPath(model: string): string {
  return path.join(path.dirname(model), `${path.basename(model, '.onnx')}.calibrated.onnx`);
}

/** log(max(p, floor)) per value: the logits of probabilities, up to one constant per row (see appendTemperatureSoftmax). */
export function logitsOfProbabilities(p: Float32Array): Float32Array {
  return Float32Array.from(p, (v) => Math.log(Math.max(v, PROBABILITY_FLOOR)));
}

/** Calibrate an ONNX image classifier made elsewhere on `dataset`; writes a calibrated copy and its record. */
export async function calibrateModel(model: string, opts: CalibrateModelOptions): Promise<CalibrateModelResult> {
  checkOptions(opts, CALIBRATE_MODEL_RULES, 'calibrate');
  const log = (message: string) => opts.onProgress?.({ task: 'calibrate', message });
  const loaded = await loadModelInfo(model, opts.overrides);
  const { info, graphOutputs } = loaded;
  if (graphOutputs.length !== 1) {
    // Checked before the data is read: the calibrated head goes on the one output there is.
    throw new IcmixError(
      `${model} has ${graphOutputs.length} outputs (${graphOutputs.join(', ')}); icmix reads only the first, and the calibrated copy appends its temperature and softmax to one output: ` +
        `save a copy with only the output to calibrate (e.g. Python: onnx.utils.extract_model('${path.basename(model)}', 'one.onnx', [input names], ['${graphOutputs[0] ?? 'logits'}'])) and calibrate that`,
    );
  }
  for (const n of loaded.notes) log(n);
  const out = await checkedOut(model, opts.out);
  // A file there from another model (or not icmix's) is kept; a copy of this model is remade.
  for (const f of [out, calibrationRecordPath(out)]) await checkReplaceable(f, { source: path.resolve(model) }, { force: opts.force, flag: '--out' });
  const dataset = opts.dataset ?? info.dataset;
  if (!dataset) {
    throw new IcmixError(`calibrating ${model} needs the data it classifies and it records none (metadata ${META.dataset}): name it with --dataset (the validation split is held out of its training set)`);
  }
  if (info.temperature !== 1) {
    throw new IcmixError(
      `${model} is already at temperature ${info.temperature} (metadata ${META.temperature}); calibrate the uncalibrated model it was made from, so T is fitted once`,
    );
  }
  const seed = opts.seed ?? 0;
  log(`loading ${dataset} and holding out its validation split`);
  const split = await runSplit({ dataset, dataDir: opts.dataDir, strict: opts.strict, maxImagePixels: opts.maxImagePixels, valSize: opts.valSize, seed, ...shapeOptions(dataset, info.inputShape) }, opts.onProgress ?? (() => {})); // none: --quiet, also while a folder is decoded
  let { val, test } = split;
  // Grey data for an RGB model (or the reverse) is converted as serve and predict convert files.
  if (test.shape[0] === info.inputShape[0] && test.shape[1] === info.inputShape[1] && test.shape[2] !== info.inputShape[2]) {
    const [v, t] = [convertChannels(val, info.inputShape[2]), convertChannels(test, info.inputShape[2])];
    if (v && t) {
      log(`${dataset} images have ${test.shape[2]} channel(s), ${model} takes ${info.inputShape[2]}: converted as serve and predict convert image files`);
      [val, test] = [v, t];
    }
  }
  const mismatch = shapeMismatch(dataset, test.shape, loaded, 'calibrate');
  if (mismatch) throw new IcmixError(mismatch);
  const C = info.numClasses;
  if (test.numClasses !== C) {
    throw new IcmixError(`${model} outputs ${C} classes but ${dataset} has ${test.numClasses}; calibrate on the dataset the model was trained for`);
  }
  const order = info.metadata[META.classNames] !== undefined ? classOrderMismatch(dataset, test.classNames, info.classNames, model) : undefined;
  if (order) throw new IcmixError(order);
  if (val.labels.length === 0) {
    const why = opts.valSize === 0 ? '--val-size 0' : `its ${split.train.labels.length} training images are too few for ${opts.valSize === undefined ? 'the default share (10%, rounded per class)' : `--val-size ${opts.valSize}`} to hold any out`;
    throw new IcmixError(`the validation split of ${dataset} is empty (${why}); calibration needs held-out images, never the test split: use more images or a larger --val-size`);
  }
  const ownVal = typeof split.protocol.valSplit === 'string' && split.protocol.valSplit.startsWith("the dataset's own");
  const fit: FitRecord = {
    dataset,
    split: 'val',
    splitHow: ownVal ? `${dataset}'s own validation set (val/)` : `stratified hold-out of ${dataset}'s training set (seed ${seed}), as icmix train's`,
    valSize: val.labels.length,
    seed,
    logitsFrom: info.output === 'probabilities' ? 'log of the probabilities' : 'logits',
  };
  if (fit.logitsFrom !== 'logits') log(`${model} outputs probabilities: fitting on their log, which equals the logits up to one constant per image (softmax ignores it)`);

  const raw = await valTestOutputs(model, info, val, test, opts, log);
  if (fit.logitsFrom !== 'logits') {
    // log p is the logits up to a constant only where p did not underflow: a 0 is floored at
    // log(PROBABILITY_FLOOR) ≈ -87, which clips the logit gaps T is fitted on.
    const zeros = raw.val.reduce((k, v) => k + (v < PROBABILITY_FLOOR ? 1 : 0), 0);
    if (zeros > 0) {
      log(
        `${((100 * zeros) / raw.val.length).toFixed(1)}% of the validation probabilities are 0 (underflowed in float32); their log is floored at ${Math.log(PROBABILITY_FLOOR).toFixed(1)}, ` +
          'so T is fitted on clipped logit gaps: for an exact fit, calibrate the logits (a copy of the model without its final Softmax)',
      );
    }
  }
  const asLogits = fit.logitsFrom === 'logits' ? (x: Float32Array) => x : logitsOfProbabilities;
  // Which file and bytes the copy is made from, so a copy left beside a changed source is refused.
  Object.assign(fit, await sourceRecord(model, out));
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'icmix-calibrate-'));
  let written: Awaited<ReturnType<typeof writeCalibratedModel>>;
  try {
    written = await writeCalibratedModel({
      source: model,
      out,
      scratch,
      val: { logits: asLogits(raw.val), labels: val.labels },
      test: { images: test.images, logits: asLogits(raw.test), labels: test.labels },
      numClasses: C,
      // What the flags said becomes metadata, so the copy is read the same way without them.
      metadata: { ...info.metadata, [META.dataset]: info.metadata[META.dataset] ?? dataset, [CALIBRATION_META]: JSON.stringify(fit) },
      fromProbabilities: fit.logitsFrom !== 'logits',
      opts,
      log,
    });
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
  const { calibration, oodThreshold, verificationMaxAbsDiff } = written;
  const calibrationFile = calibrationRecordPath(out);
  await writeJsonAtomic(calibrationFile, { ...calibration, oodThreshold, model: path.basename(out), source: path.resolve(model), fit } satisfies Record<string, unknown> & { oodThreshold: OodThreshold });
  return { path: out, calibration, oodThreshold, verificationMaxAbsDiff, calibrationFile, fit, notes: loaded.notes };
}

/** Where the calibrated copy goes, checked before any data is read so a typo does not cost the fit. */
async function checkedOut(model: string, given: string | undefined): Promise<string> {
  const out = given ?? defaultCalibratedPath(model);
  if (path.resolve(out) === path.resolve(model)) throw new IcmixError(`--out ${out} is the model itself; write the calibrated copy to another file`);
  if ((await fs.stat(out).catch(() => undefined))?.isDirectory()) throw new IcmixError(`--out ${out} is a folder; name the calibrated .onnx file, e.g. ${path.join(out, path.basename(defaultCalibratedPath(model)))}`);
  if (path.extname(out).toLowerCase() !== '.onnx') throw new IcmixError(`--out ${out}: the calibrated copy is an ONNX model; name it .onnx (its record goes beside it as .calibration.json)`);
  return out;
}

export { calibrationRecordPath };
