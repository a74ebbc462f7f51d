import { IcmixError } from '../../util/errors.js';
import { PREDICTION_METRICS } from './catalogue/index.js';

/**
 * Scalar metrics over probs [n, C] and labels [n], by name: the catalogue's prediction metrics
 * (catalogue/prediction.ts), seen through the older name/compute interface.
 */
export interface MetricDefinition {
  name: string;
  description: string;
  /** Whether larger values are better (for tables that mark the best method). */
  higherIsBetter: boolean;
  compute(probs: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number, opts?: { bins?: number }): number;
}

const METRICS: MetricDefinition[] = PREDICTION_METRICS.map((m) => ({ name: m.key, description: m.description, higherIsBetter: m.direction === 'higher', compute: m.compute }));

export function listMetrics(): string[] {
  return METRICS.map((m) => m.name);
}

export function getMetric(name: string): MetricDefinition {
  const m = METRICS.find((x) => x.name === name);
  if (!m) throw new IcmixError(`unknown metric '${name}'; known: ${listMetrics().join(', ')}`);
  return m;
}
