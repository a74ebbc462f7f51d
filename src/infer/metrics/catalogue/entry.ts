import type { EvalReport } from '../../report/types.js';
import { num, pct } from '../../../util/format.js';

/**
 * One entry of the metric catalogue: what a metric is called, its unit and direction, and where
 * it lives in report.json. The extractor and the formatter are derived from `source` and `unit`,
 * so the catalogue test that walks each `source` through schemas/report.schema.json checks the
 * very path the extractor reads.
 */

/** 'rate': a fraction in [0, 1], shown in percent; 'nats' and 'score': raw numbers. */
export type MetricUnit = 'rate' | 'nats' | 'score';

/** Which way is better (tables bold the best value by it). */
export type MetricDirection = 'higher' | 'lower';

/** The headline tables a metric is a column of: `icmix report` (compare) and the study tables. */
export type MetricView = 'compare' | 'study';

/**
 * Where the number is in report.json: property names from a scope.
 * - 'report': the report itself, e.g. ['calibration', 'after', 'ece'];
 * - 'runtime': one entry of `runtimes` (the primary, first, unless asked), e.g. ['suites', 'id', 'accuracy'];
 * - 'oodSet': one entry of a runtime's `suites.ood`, e.g. ['scores', 'energy', 'auroc']; tables take
 *   the mean over the sets or one named set.
 */
export interface MetricSource {
  scope: 'report' | 'runtime' | 'oodSet';
  path: readonly string[];
}

/** A metric of one prediction set: probs [n, C] against labels [n]. */
export type PredictionMetricFn = (probs: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number, opts?: { bins?: number }) => number;

/** Which OOD sets an 'oodSet' metric is read from: the mean over all of them, or one by name (none: absent). */
export type OodPick = 'mean' | { set: string | undefined };

export interface ExtractOptions {
  /** Index into report.runtimes (default 0, the primary runtime). */
  runtime?: number;
  /** Default 'mean'. */
  ood?: OodPick;
}

export interface MetricSpec<K extends string = string, V extends MetricView = MetricView> {
  /** Stable key: the field name in study cell metrics and comparison rows. */
  key: K;
  /** Column title in the study tables. */
  title: string;
  /** Column title in the compact tables (report.md, `icmix report`), when different. */
  short?: string;
  /** One line on what it measures and its convention. */
  description: string;
  unit: MetricUnit;
  direction: MetricDirection;
  source: MetricSource;
  /** Headline tables it is a column of (default none: a report-only metric). */
  views?: readonly V[];
  /** For metrics of one prediction set, how to compute it (`getMetric`). */
  compute?: PredictionMetricFn;
}

export interface MetricEntry<K extends string = string, V extends MetricView = MetricView> extends Required<Omit<MetricSpec<K, V>, 'compute'>> {
  compute?: PredictionMetricFn;
  /** The value in `report`, undefined when the suite did not run. */
  extract(report: EvalReport, opts?: ExtractOptions): number | undefined;
  /** '12.34%' for rates, '0.1234' otherwise, '–' when absent. */
  format(x: number | undefined): string;
}

export function defineMetric<K extends string, V extends MetricView = never>(spec: MetricSpec<K, V>): MetricEntry<K, V> {
  const entry: MetricEntry<K, V> = {
    ...spec,
    short: spec.short ?? spec.title,
    views: spec.views ?? [],
    extract: (report, opts) => extractSource(report, spec.source, opts),
    format: (x) => formatValue(spec.unit, x),
  };
  return Object.freeze(entry);
}

/** A metric of one prediction set: its `compute` is required. */
export type PredictionMetricEntry<K extends string = string, V extends MetricView = MetricView> = MetricEntry<K, V> & { compute: PredictionMetricFn };

export function definePredictionMetric<K extends string, V extends MetricView = never>(spec: MetricSpec<K, V> & { compute: PredictionMetricFn }): PredictionMetricEntry<K, V> {
  return defineMetric(spec) as PredictionMetricEntry<K, V>;
}

/** The number at `path` under `root`, undefined when any step is missing or it is not a number. */
function at(root: unknown, path: readonly string[]): number | undefined {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return typeof v === 'number' ? v : undefined;
}

/** The one extractor every catalogue entry uses. */
export function extractSource(report: EvalReport, source: MetricSource, opts: ExtractOptions = {}): number | undefined {
  if (source.scope === 'report') return at(report, source.path);
  const rt = report.runtimes[opts.runtime ?? 0];
  if (source.scope === 'runtime') return at(rt, source.path);
  const sets = rt?.suites.ood ?? [];
  const pick = opts.ood ?? 'mean';
  if (pick !== 'mean') {
    const s = pick.set === undefined ? undefined : sets.find((x) => x.name === pick.set);
    return s ? at(s, source.path) : undefined;
  }
  const vals = sets.map((s) => at(s, source.path)).filter((v): v is number => v !== undefined);
  if (vals.length === 0) return undefined;
  let mean = 0;
  for (const v of vals) mean += v / vals.length; // same order and rounding as meanOod
  return mean;
}

/** Rates as a percentage with 2 decimals, the rest with 4, '–' when absent. */
export function formatValue(unit: MetricUnit, x: number | undefined): string {
  return unit === 'rate' ? pct(x) : num(x);
}

/** Display scale and decimals of a unit in tables without a '%' sign (study tables: percentage points). */
export function displayScale(unit: MetricUnit): { factor: number; digits: number } {
  return unit === 'rate' ? { factor: 100, digits: 2 } : { factor: 1, digits: 4 };
}

export const higherIsBetter = (e: Pick<MetricSpec, 'direction'>): boolean => e.direction === 'higher';
