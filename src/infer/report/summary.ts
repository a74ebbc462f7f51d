import type { EvalReport, OodDetectionMetrics, OodScoreName, RuntimeResult } from './types.js';
import { metricsOf, type ViewKey } from '../metrics/catalogue/index.js';

/** Headline numbers pulled out of a report: what tables compare across runs and runtimes. */

/** Mean of each OOD detection metric over a runtime's OOD sets for one score. */
export function meanOod(rt: RuntimeResult, score: OodScoreName = 'msp'): OodDetectionMetrics | undefined {
  const sets = (rt.suites.ood ?? []).map((s) => s.scores[score]).filter((m): m is OodDetectionMetrics => !!m);
  if (sets.length === 0) return undefined;
  const mean = { auroc: 0, auprIn: 0, auprOut: 0, fpr95: 0 };
  for (const m of sets) for (const k of Object.keys(mean) as Array<keyof OodDetectionMetrics>) mean[k] += m[k] / sets.length;
  return mean;
}

/**
 * The `icmix report` columns of one report (catalogue entries with the 'compare' view): ID
 * metrics, OOD means over sets (max-softmax score), mean accuracy over corruptions × severities.
 */
export type Headline = { [K in ViewKey<'compare'>]?: number };

/** The headline of one runtime (default: the report's primary, first runtime). */
export function headline(report: EvalReport, runtimeIndex = 0): Headline {
  const h: Headline = {};
  for (const m of metricsOf('compare')) h[m.key] = m.extract(report, { runtime: runtimeIndex, ood: 'mean' });
  return h;
}
