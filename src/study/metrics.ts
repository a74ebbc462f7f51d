import type { EvalReport, ReliabilityBin } from '../infer/report/types.js';
import type { CellMetrics, MetricKey } from './types.js';

/** The table columns, in order: how each is shown and which direction is better. */
export interface MetricColumn {
  key: MetricKey;
  title: string;
  /** Shown as a percentage (rates) or as a plain number (NLL, Brier). */
  percent: boolean;
  higherIsBetter: boolean;
}

export const METRIC_COLUMNS: readonly MetricColumn[] = [
  { key: 'accuracy', title: 'accuracy', percent: true, higherIsBetter: true },
  { key: 'ece', title: 'ECE', percent: true, higherIsBetter: false },
  { key: 'nll', title: 'NLL', percent: false, higherIsBetter: false },
  { key: 'brier', title: 'Brier', percent: false, higherIsBetter: false },
  { key: 'eceTs', title: 'ECE after TS', percent: true, higherIsBetter: false },
  { key: 'auroc', title: 'OOD AUROC', percent: true, higherIsBetter: true },
  { key: 'fpr95', title: 'OOD FPR95', percent: true, higherIsBetter: false },
  { key: 'corruptionAccuracy', title: 'corruption acc.', percent: true, higherIsBetter: true },
];

/**
 * The headline numbers of a cell's report, on its primary (first) runtime: ID metrics of the
 * uncalibrated model, ECE after temperature scaling, OOD detection against `oodSet` with the
 * max-softmax score, and mean accuracy over all corruptions x severities.
 */
export function cellMetrics(report: EvalReport, oodSet: string | undefined): CellMetrics {
  const rt = report.runtimes[0];
  const id = rt?.suites.id;
  const ood = oodSet ? rt?.suites.ood?.find((s) => s.name === oodSet)?.scores.msp : undefined;
  const m: CellMetrics = {
    accuracy: id?.accuracy,
    ece: id?.ece,
    nll: id?.nll,
    brier: id?.brier,
    eceTs: report.calibration?.after.ece,
    auroc: ood?.auroc,
    fpr95: ood?.fpr95,
    corruptionAccuracy: rt?.suites.corruptions?.mean.accuracy,
  };
  return Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined)) as CellMetrics;
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
