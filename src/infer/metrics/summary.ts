import type {
  CalibrationResult,
  CalibrationSnapshot,
  ClassificationMetrics,
  CorruptionMeans,
  CorruptionResult,
  CorruptionSuiteResult,
  OodDetectionMetrics,
  OodScoreName,
  PredictionKey,
} from '../report/types.js';
import { OOD_SCORE_NAMES } from '../report/types.js';
import { IcmixError } from '../../util/errors.js';
import { accuracy } from './accuracy.js';
import { brier } from './brier.js';
import { DEFAULT_BINS, eceFromBins, reliabilityBins } from './calibration.js';
import { PREDICTION_METRICS } from './catalogue/index.js';
import { nll } from './nll.js';
import { OOD_SCORES } from './ood-scores.js';
import { oodDetection } from './ood.js';
import { softmax } from './softmax.js';
import { checkBins, checkRowsAndLabels } from './validate.js';
import { fitTemperature } from './temperature.js';

/**
 * Report-sized bundles of the metrics, shaped as the EvalReport types: what `icmix eval` calls
 * per suite and runtime.
 */

/**
 * Every prediction metric of the catalogue (catalogue/prediction.ts) of probs [n, C] against
 * labels [n], in catalogue order, plus the equal-width reliability bins.
 */
export function classificationMetrics(
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
  opts: { bins?: number } = {},
): ClassificationMetrics {
  const bins = opts.bins ?? DEFAULT_BINS;
  // Check once here so errors name the function the caller used.
  checkRowsAndLabels(probs, labels, numClasses, 'classificationMetrics');
  checkBins(bins, 'classificationMetrics');
  const values = Object.fromEntries(PREDICTION_METRICS.map((m) => [m.key, m.compute(probs, labels, numClasses, { bins })])) as Record<PredictionKey, number>;
  return { n: labels.length, ...values, bins, reliability: reliabilityBins(probs, labels, numClasses, { bins, scheme: 'width' }) };
}

/** Accuracy, NLL, ECE and Brier: the before/after view of calibration. */
export function calibrationSnapshot(probs: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number, bins = DEFAULT_BINS): CalibrationSnapshot {
  const reliability = reliabilityBins(probs, labels, numClasses, { bins });
  return {
    accuracy: accuracy(probs, labels, numClasses),
    nll: nll(probs, labels, numClasses),
    ece: eceFromBins(reliability),
    brier: brier(probs, labels, numClasses),
  };
}

/**
 * Temperature scaling end to end: fit T on (fitLogits, fitLabels), e.g. the validation split,
 * and measure the test split at T = 1 and at T. Logits are the model's raw outputs at T = 1.
 */
export function temperatureCalibration(
  fit: { logits: ArrayLike<number>; labels: ArrayLike<number>; split?: string },
  test: { logits: ArrayLike<number>; labels: ArrayLike<number> },
  numClasses: number,
  opts: { bins?: number } = {},
): CalibrationResult {
  const bins = opts.bins ?? DEFAULT_BINS;
  const t = fitTemperature(fit.logits, fit.labels, numClasses);
  const before = softmax(test.logits, numClasses, 1);
  const after = softmax(test.logits, numClasses, t.temperature);
  return {
    temperature: t.temperature,
    fitSplit: fit.split ?? 'val',
    fitNllBefore: t.nllBefore,
    fitNllAfter: t.nllAfter,
    before: calibrationSnapshot(before, test.labels, numClasses, bins),
    after: calibrationSnapshot(after, test.labels, numClasses, bins),
    reliabilityAfter: reliabilityBins(after, test.labels, numClasses, { bins }),
  };
}

/**
 * Detection metrics for each score of ID logits [nId, C] against OOD logits [nOod, C].
 * `scores` picks a subset (default all four).
 */
export function oodSetMetrics(
  idLogits: ArrayLike<number>,
  oodLogits: ArrayLike<number>,
  numClasses: number,
  scores: readonly OodScoreName[] = OOD_SCORE_NAMES,
): Partial<Record<OodScoreName, OodDetectionMetrics>> {
  const out: Partial<Record<OodScoreName, OodDetectionMetrics>> = {};
  for (const name of scores) {
    const fn = OOD_SCORES[name];
    out[name] = oodDetection(fn(idLogits, numClasses), fn(oodLogits, numClasses));
  }
  return out;
}

function meanOf(rs: readonly CorruptionMeans[]): CorruptionMeans {
  const m = { accuracy: 0, ece: 0, nll: 0 };
  for (const r of rs) {
    m.accuracy += r.accuracy / rs.length;
    m.ece += r.ece / rs.length;
    m.nll += r.nll / rs.length;
  }
  return m;
}

/** Means per corruption (over severities) and over everything, in first-seen corruption order. */
export function summariseCorruptions(results: readonly CorruptionResult[]): CorruptionSuiteResult {
  if (results.length === 0) throw new IcmixError('summariseCorruptions: no corruption results to summarise');
  const groups = new Map<string, CorruptionResult[]>();
  for (const r of results) {
    const g = groups.get(r.corruption);
    if (g) g.push(r);
    else groups.set(r.corruption, [r]);
  }
  return {
    results: [...results],
    perCorruption: [...groups].map(([corruption, rs]) => ({ corruption, ...meanOf(rs) })),
    mean: meanOf(results),
  };
}
