import { IcmixError } from '../../util/errors.js';
import { accuracy, top5Accuracy } from './accuracy.js';
import { brier } from './brier.js';
import { adaptiveEce, DEFAULT_BINS, ece, mce } from './calibration.js';
import { nll } from './nll.js';

/**
 * Scalar metrics over probs [n, C] and labels [n], by name. Adding one = a module with the
 * function + one line in METRICS.
 */
export interface MetricDefinition {
  name: string;
  description: string;
  /** Whether larger values are better (for tables that mark the best method). */
  higherIsBetter: boolean;
  compute(probs: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number, opts?: { bins?: number }): number;
}

const METRICS: MetricDefinition[] = [
  { name: 'accuracy', description: 'top-1 accuracy', higherIsBetter: true, compute: (p, y, C) => accuracy(p, y, C) },
  { name: 'top5', description: 'top-5 accuracy (top-C for fewer classes)', higherIsBetter: true, compute: (p, y, C) => top5Accuracy(p, y, C) },
  { name: 'nll', description: 'mean negative log-likelihood (nats)', higherIsBetter: false, compute: (p, y, C) => nll(p, y, C) },
  { name: 'brier', description: 'Brier score, summed over classes, mean over samples', higherIsBetter: false, compute: (p, y, C) => brier(p, y, C) },
  { name: 'ece', description: 'expected calibration error, equal-width bins', higherIsBetter: false, compute: (p, y, C, o) => ece(p, y, C, o?.bins ?? DEFAULT_BINS) },
  { name: 'adaptiveEce', description: 'expected calibration error, equal-mass bins', higherIsBetter: false, compute: (p, y, C, o) => adaptiveEce(p, y, C, o?.bins ?? DEFAULT_BINS) },
  { name: 'mce', description: 'maximum calibration error, equal-width bins', higherIsBetter: false, compute: (p, y, C, o) => mce(p, y, C, o?.bins ?? DEFAULT_BINS) },
];

export function listMetrics(): string[] {
  return METRICS.map((m) => m.name);
}

export function getMetric(name: string): MetricDefinition {
  const m = METRICS.find((x) => x.name === name);
  if (!m) throw new IcmixError(`unknown metric '${name}'; known: ${listMetrics().join(', ')}`);
  return m;
}
