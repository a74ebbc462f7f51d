import { IcmixError } from '../../../util/errors.js';
import type { MetricEntry, MetricView } from './entry.js';
import { accuracy, adaptiveEce, brier, ece, mce, nll, top5 } from './prediction.js';
import { eceTs } from './calibrated.js';
import { mspAuroc, mspFpr95 } from './ood-msp.js';
import { maxLogitAuroc, maxLogitFpr95 } from './ood-max-logit.js';
import { energyAuroc, energyFpr95 } from './ood-energy.js';
import { corruptionAccuracy } from './corruption.js';
import type { PredictionKey } from '../../report/types.js';

/**
 * The metric catalogue: every table of metrics (report.md's in-distribution table, `icmix report`'s
 * comparison, the study tables and paired comparisons, `getMetric`) is derived from these lists.
 * Adding a metric read from report.json (say another OOD score's AUROC) = one file defining its
 * entry (defineMetric, or a factory such as oodAuroc) + one line in HEADLINE_METRICS + its test.
 * A new metric of one prediction set is computed into report.json by classificationMetrics once it
 * is in PREDICTION_METRICS; its field then goes into schemas/report.schema.json too (the catalogue
 * test, which walks every entry's source through the schema, fails until it is).
 */

/** Metrics of one prediction set, stored under suites.id: report.md's ID columns, in order. */
export const PREDICTION_METRICS = [accuracy, top5, nll, brier, ece, adaptiveEce, mce] as const;

/** The headline columns, in order; each entry's `views` says which tables show it. */
export const HEADLINE_METRICS = [
  accuracy,
  ece,
  nll,
  brier,
  eceTs,
  mspAuroc,
  mspFpr95,
  maxLogitAuroc,
  maxLogitFpr95,
  energyAuroc,
  energyFpr95,
  corruptionAccuracy,
] as const;

/** Every entry once. */
export const CATALOGUE: readonly MetricEntry[] = [...new Set<MetricEntry>([...PREDICTION_METRICS, ...HEADLINE_METRICS])];

/** Keys of the prediction metrics: the number fields of suites.id, as the report declares them. */
type CatalogueKey = (typeof PREDICTION_METRICS)[number]['key'];
// The catalogue computes exactly the metrics the report's shape names (report/types.ts), no more, no fewer.
const sameKeys: [CatalogueKey] extends [PredictionKey] ? ([PredictionKey] extends [CatalogueKey] ? true : never) : never = true;
void sameKeys;

export type HeadlineMetric = (typeof HEADLINE_METRICS)[number];
/** Keys of the columns of one headline table, e.g. ViewKey<'study'>, from the entries' `views`. */
export type ViewKey<View extends MetricView> = KeyIn<HeadlineMetric, View>;
type KeyIn<M, View extends MetricView> = M extends MetricEntry<infer K, infer V> ? (View extends V ? K : never) : never;

/** The columns of one headline table, in order. */
export function metricsOf<View extends MetricView>(view: View): Array<MetricEntry<ViewKey<View>>> {
  return (HEADLINE_METRICS as readonly MetricEntry[]).filter((m) => m.views.includes(view)) as Array<MetricEntry<ViewKey<View>>>;
}

/** The entry with `key`, or an error listing the known keys. */
export function metricByKey(key: string): MetricEntry {
  const m = CATALOGUE.find((x) => x.key === key);
  if (!m) throw new IcmixError(`unknown metric '${key}'; known: ${CATALOGUE.map((x) => x.key).join(', ')}`);
  return m;
}

export * from './entry.js';
export { accuracy, top5, nll, brier, ece, adaptiveEce, mce, eceTs, mspAuroc, mspFpr95, maxLogitAuroc, maxLogitFpr95, energyAuroc, energyFpr95, corruptionAccuracy };
export { oodAuroc, oodFpr95, type OodMetricOptions } from './ood.js';
