import { accuracy as accuracyFn, top5Accuracy } from '../accuracy.js';
import { brier as brierFn } from '../brier.js';
import { adaptiveEce as adaptiveEceFn, DEFAULT_BINS, ece as eceFn, mce as mceFn } from '../calibration.js';
import { nll as nllFn } from '../nll.js';
import { definePredictionMetric, type MetricSpec, type MetricView, type PredictionMetricEntry, type PredictionMetricFn } from './entry.js';

/**
 * Metrics of one prediction set, stored per runtime under suites.id.<key> (classificationMetrics
 * computes them all there; `compute` computes one alone).
 */
function idMetric<K extends string, V extends MetricView = never>(spec: Omit<MetricSpec<K, V>, 'source'> & { compute: PredictionMetricFn }): PredictionMetricEntry<K, V> {
  return definePredictionMetric({ ...spec, source: { scope: 'runtime', path: ['suites', 'id', spec.key] } });
}

const both = ['compare', 'study'] as const;
const bins = (o?: { bins?: number }) => o?.bins ?? DEFAULT_BINS;

export const accuracy = idMetric({ key: 'accuracy', title: 'accuracy', description: 'top-1 accuracy', unit: 'rate', direction: 'higher', views: both, compute: (p, y, C) => accuracyFn(p, y, C) });

export const top5 = idMetric({ key: 'top5', title: 'top-5', description: 'top-5 accuracy (top-C for fewer classes)', unit: 'rate', direction: 'higher', compute: (p, y, C) => top5Accuracy(p, y, C) });

export const nll = idMetric({ key: 'nll', title: 'NLL', description: 'mean negative log-likelihood (nats)', unit: 'nats', direction: 'lower', views: both, compute: (p, y, C) => nllFn(p, y, C) });

export const brier = idMetric({ key: 'brier', title: 'Brier', description: 'Brier score, summed over classes, mean over samples', unit: 'score', direction: 'lower', views: both, compute: (p, y, C) => brierFn(p, y, C) });

export const ece = idMetric({ key: 'ece', title: 'ECE', description: 'expected calibration error, equal-width bins', unit: 'rate', direction: 'lower', views: both, compute: (p, y, C, o) => eceFn(p, y, C, bins(o)) });

export const adaptiveEce = idMetric({ key: 'adaptiveEce', title: 'adaptive ECE', description: 'expected calibration error, equal-mass bins', unit: 'rate', direction: 'lower', compute: (p, y, C, o) => adaptiveEceFn(p, y, C, bins(o)) });

export const mce = idMetric({ key: 'mce', title: 'MCE', description: 'maximum calibration error, equal-width bins', unit: 'rate', direction: 'lower', compute: (p, y, C, o) => mceFn(p, y, C, bins(o)) });
