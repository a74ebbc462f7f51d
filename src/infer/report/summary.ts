import type { EvalReport, OodDetectionMetrics, OodScoreName, RuntimeResult } from './types.js';

/** Headline numbers pulled out of a report: what tables compare across runs and runtimes. */

/** Mean of each OOD detection metric over a runtime's OOD sets for one score. */
export function meanOod(rt: RuntimeResult, score: OodScoreName = 'msp'): OodDetectionMetrics | undefined {
  const sets = (rt.suites.ood ?? []).map((s) => s.scores[score]).filter((m): m is OodDetectionMetrics => !!m);
  if (sets.length === 0) return undefined;
  const mean = { auroc: 0, auprIn: 0, auprOut: 0, fpr95: 0 };
  for (const m of sets) for (const k of Object.keys(mean) as Array<keyof OodDetectionMetrics>) mean[k] += m[k] / sets.length;
  return mean;
}

export interface Headline {
  accuracy?: number;
  ece?: number;
  nll?: number;
  brier?: number;
  /** Mean over OOD sets, MSP score. */
  auroc?: number;
  fpr95?: number;
  /** Mean accuracy over all corruptions × severities. */
  corruptionAccuracy?: number;
}

/** The headline of one runtime (default: the report's primary, first runtime). */
export function headline(report: EvalReport, runtimeIndex = 0): Headline {
  const rt = report.runtimes[runtimeIndex];
  const id = rt?.suites.id;
  const ood = rt ? meanOod(rt, 'msp') : undefined;
  return {
    accuracy: id?.accuracy,
    ece: id?.ece,
    nll: id?.nll,
    brier: id?.brier,
    auroc: ood?.auroc,
    fpr95: ood?.fpr95,
    corruptionAccuracy: rt?.suites.corruptions?.mean.accuracy,
  };
}
