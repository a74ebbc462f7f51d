/** Metrics over probabilities/logits [n, C] and labels [n]: pure functions, one module per family. */
export { checkRowsAndLabels, checkScores } from './validate.js';
export { softmax, logSoftmax, logSumExp, rowLogSumExp, logitsFromProbabilities } from './softmax.js';
export { accuracy, top5Accuracy, topKAccuracy, argmaxRows } from './accuracy.js';
export { nll, nllFromLogits, NLL_CLAMP } from './nll.js';
export { brier } from './brier.js';
export { confusionMatrix, perClassAccuracy } from './confusion.js';
export {
  ece,
  adaptiveEce,
  mce,
  reliabilityBins,
  eceFromBins,
  mceFromBins,
  confidences,
  binIndex,
  DEFAULT_BINS,
  type BinOptions,
  type BinScheme,
} from './calibration.js';
export { fitTemperature, type TemperatureFit, type TemperatureFitOptions } from './temperature.js';
export { mspScore, maxLogitScore, energyScore, negEntropyScore, OOD_SCORES, OOD_SCORE_LABELS, getOodScore, type OodScoreFn } from './ood-scores.js';
export { auroc, averagePrecision, auprIn, auprOut, fprAtTpr, fpr95, thresholdAtTpr, oodDetection } from './ood.js';
export { top1Agreement, maxAbsDiff, parityResult } from './parity.js';
export { classificationMetrics, calibrationSnapshot, temperatureCalibration, oodSetMetrics, summariseCorruptions } from './summary.js';
export { getMetric, listMetrics, type MetricDefinition } from './registry.js';
export {
  CATALOGUE,
  HEADLINE_METRICS,
  PREDICTION_METRICS,
  metricByKey,
  metricsOf,
  defineMetric,
  definePredictionMetric,
  oodAuroc,
  oodFpr95,
  type MetricEntry,
  type MetricSpec,
  type MetricSource,
  type MetricUnit,
  type MetricDirection,
  type MetricView,
  type ViewKey,
} from './catalogue/index.js';
