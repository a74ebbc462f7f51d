import type { EvalReport, ReliabilityBin } from '../infer/report/types.js';
import { metricsOf, type MetricUnit } from '../infer/metrics/catalogue/index.js';
import type { CellMetrics, MetricKey } from './types.js';

/** The table columns, in order: how each is shown and which direction is better. */
export interface MetricColumn {
  key: MetricKey;
  title: string;
  /** Shown as a percentage (rates) or as a plain number (NLL, Brier). */
  percent: boolean;
  higherIsBetter: boolean;
  unit: MetricUnit;
}

/** The catalogue's 'study' view (src/infer/metrics/catalogue/index.ts). */
export const METRIC_COLUMNS: readonly MetricColumn[] = metricsOf('study').map((m) => ({ key: m.key, title: m.title, percent: m.unit === 'rate', higherIsBetter: m.direction === 'higher', unit: m.unit }));

/**
 * Columns a model that learned nothing makes look good or merely noisy: calibration (a constant
 * prediction at chance has an ECE near 0) and OOD detection (its scores carry no signal). Paired
 * tests and comparisons leave out seeds at chance on these, and a row holding such seeds is
 * never the column's best; accuracy, NLL, Brier and corruption accuracy count them as failures.
 */
export const CHANCE_BLIND_METRICS: ReadonlySet<MetricKey> = new Set<MetricKey>(['ece', 'eceTs', 'auroc', 'fpr95', 'maxLogitAuroc', 'maxLogitFpr95', 'energyAuroc', 'energyFpr95']);

/**
 * The headline numbers of a cell's report, on its primary (first) runtime: ID metrics of the
 * uncalibrated model, ECE after temperature scaling, OOD detection against `oodSet` (none: no OOD
 * numbers) with each catalogue score, and mean accuracy over all corruptions x severities.
 */
export function cellMetrics(report: EvalReport, oodSet: string | undefined): CellMetrics {
  const m: CellMetrics = {};
  for (const e of metricsOf('study')) {
    const v = e.extract(report, { runtime: 0, ood: { set: oodSet || undefined } });
    if (v !== undefined) m[e.key] = v;
  }
  return m;
}

/**
 * Pool reliability bins of several runs (same bin edges): counts add, accuracy and confidence are
 * count-weighted means, i.e. the bins of all their predictions together.
 */
export function poolReliability(runs: ReadonlyArray<readonly ReliabilityBin[]>): ReliabilityBin[] {
  if (runs.length === 0) return [];
  const k = runs[0].length;
  for (const r of runs) if (r.length !== k) throw new Error(`poolReliability: runs have ${k} and ${r.length} bins; pool runs with the same bins`);
  return runs[0].map((b, i) => {
    let count = 0;
    let acc = 0;
    let conf = 0;
    for (const r of runs) {
      count += r[i].count;
      acc += r[i].count * r[i].accuracy;
      conf += r[i].count * r[i].confidence;
    }
    return { lower: b.lower, upper: b.upper, count, accuracy: count ? acc / count : 0, confidence: count ? conf / count : 0 };
  });
}
