import { accuracy as accuracyFn, top5Accuracy } from '../accuracy.js';
import { brier as brierFn } from '../brier.js';
import { adaptiveEce as adaptiveEceFn, DEFAULT_BINS, ece as eceFn, mce as mceFn } from '../calibration.js';
import { nll as nllFn } from '../nll.js';
import { definePredictionMetric } from './entry.js';

/**
 * Metrics of one prediction set, as stored per runtime under suites.id (classificationMetrics
 * computes them there; `compute` computes one alone).
 */

const both = ['compare', 'study'] as const;

export const accuracy = definePredictionMetric({
  key: 'accuracy',
  title: 'accuracy',
  description: 'top-1 accuracy',
  unit: 'rate',
  direction: 'higher',
  source: { scope: 'runtime', path: ['suites', 'id', 'accuracy'] },
  views: both,
  compute: (p, y, C) => accuracyFn(p, y, C),
});

export const top5 = definePredictionMetric({
  key: 'top5',
  title: 'top-5',
  description: 'top-5 accuracy (top-C for fewer classes)',
  unit: 'rate',
  direction: 'higher',
  source: { scope: 'runtime', path: ['suites', 'id', 'top5'] },
  compute: (p, y, C) => top5Accuracy(p, y, C),
});

export const nll = definePredictionMetric({
  key: 'nll',
  title: 'NLL',
  description: 'mean negative log-likelihood (nats)',
  unit: 'nats',
  direction: 'lower',
  source: { scope: 'runtime', path: ['suites', 'id', 'nll'] },
  views: both,
  compute: (p, y, C) => nllFn(p, y, C),
});

export const brier = definePredictionMetric({
  key: 'brier',
  title: 'Brier',
  description: 'Brier score, summed over classes, mean over samples',
  unit: 'score',
  direction: 'lower',
  source: { scope: 'runtime', path: ['suites', 'id', 'brier'] },
  views: both,
  compute: (p, y, C) => brierFn(p, y, C),
});

export const ece = definePredictionMetric({
  key: 'ece',
  title: 'ECE',
  description: 'expected calibration error, equal-width bins',
  unit: 'rate',
  direction: 'lower',
  source: { scope: 'runtime', path: ['suites', 'id', 'ece'] },
  views: both,
  compute: (p, y, C, o) => eceFn(p, y, C, o?.bins ?? DEFAULT_BINS),
});

export const adaptiveEce = definePredictionMetric({
  key: 'adaptiveEce',
  title: 'adaptive ECE',
  description: 'expected calibration error, equal-mass bins',
  unit: 'rate',
  direction: 'lower',
  source: { scope: 'runtime', path: ['suites', 'id', 'adaptiveEce'] },
  compute: (p, y, C, o) => adaptiveEceFn(p, y, C, o?.bins ?? DEFAULT_BINS),
});

export const mce = definePredictionMetric({
  key: 'mce',
  title: 'MCE',
  description: 'maximum calibration error, equal-width bins',
  unit: 'rate',
  direction: 'lower',
  source: { scope: 'runtime', path: ['suites', 'id', 'mce'] },
  compute: (p, y, C, o) => mceFn(p, y, C, o?.bins ?? DEFAULT_BINS),
});
