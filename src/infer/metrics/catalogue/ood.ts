import type { OodScoreName } from '../../report/types.js';
import { OOD_SCORE_LABELS } from '../ood-scores.js';
import { defineMetric, type MetricEntry, type MetricView } from './entry.js';

/**
 * OOD detection metrics of one score, read from suites.ood[*].scores.<score>. In-distribution is
 * the positive class and a higher score means more in-distribution (OpenOOD's convention), for
 * every score. Tables take the mean over a runtime's OOD sets (`icmix report`) or the study's
 * reported set.
 */

export interface OodMetricOptions<V extends MetricView> {
  /** Add the score's name to the titles, e.g. 'OOD AUROC (energy)' (default true). */
  named?: boolean;
  views?: readonly V[];
}

function titles(stat: string, score: OodScoreName, named: boolean): { title: string; short: string } {
  const suffix = named ? ` (${OOD_SCORE_LABELS[score]})` : '';
  return { title: `OOD ${stat}${suffix}`, short: `${stat}${suffix}` };
}

/** AUROC of `score`, ID positive (Mann-Whitney, ties count ½). */
export function oodAuroc<K extends string, V extends MetricView = 'study'>(key: K, score: OodScoreName, description: string, opts: OodMetricOptions<V> = {}): MetricEntry<K, V> {
  return defineMetric<K, V>({
    key,
    ...titles('AUROC', score, opts.named ?? true),
    description: `OOD AUROC with the ${description}; in-distribution positive, higher score = more in-distribution`,
    unit: 'rate',
    direction: 'higher',
    source: { scope: 'oodSet', path: ['scores', score, 'auroc'] },
    views: opts.views ?? (['study'] as readonly MetricView[] as readonly V[]),
  });
}

/** FPR at 95% TPR of `score`: the fraction of OOD samples kept when 95% of ID samples are. */
export function oodFpr95<K extends string, V extends MetricView = 'study'>(key: K, score: OodScoreName, description: string, opts: OodMetricOptions<V> = {}): MetricEntry<K, V> {
  return defineMetric<K, V>({
    key,
    ...titles('FPR95', score, opts.named ?? true),
    description: `OOD FPR at 95% TPR with the ${description}; in-distribution positive, higher score = more in-distribution`,
    unit: 'rate',
    direction: 'lower',
    source: { scope: 'oodSet', path: ['scores', score, 'fpr95'] },
    views: opts.views ?? (['study'] as readonly MetricView[] as readonly V[]),
  });
}
