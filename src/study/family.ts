/**
 * The claims a study can carry, and the statistics each one is judged by. Every claim has one
 * primary metric, named here before any number is seen; the comparisons are paired by seed, and
 * each claim's family (every comparison pair x dataset x protocol with two seeds or more) is
 * corrected with Holm–Bonferroni. "Ahead" needs a Holm-adjusted p below ALPHA; everything else
 * reads "no clear difference".
 */
import { holmAdjust, holmRanks, pairedDifference, pairedTTest, type PairedDifference } from './stats.js';
import type { CellMetrics, MetricKey, Study } from './types.js';
import { cellsOf, chanceSeeds, metricsBySeed } from './aggregate.js';
import { CHANCE_BLIND_METRICS, METRIC_COLUMNS } from './metrics.js';

/** Family-wise error rate of each claim's family. */
export const ALPHA = 0.05;

export type ClaimName = 'accuracy' | 'calibration' | 'ood';

export interface ClaimSpec {
  claim: ClaimName;
  metric: MetricKey;
  /** Why this metric, in one line (printed with the tables). */
  why: string;
  /** A short name for tables, where the metric's title is ambiguous. */
  label?: string;
}

/** The primary metric of each claim (fixed here so no study can pick it after the fact). */
export const PRIMARY_METRICS: readonly ClaimSpec[] = [
  { claim: 'accuracy', metric: 'accuracy', why: 'top-1 accuracy on the test split' },
  { claim: 'calibration', metric: 'ece', why: 'ECE (equal-width bins) of the model as trained, before temperature scaling: the calibration a method itself gives' },
  { claim: 'ood', metric: 'energyAuroc', why: 'AUROC of the energy score (logsumexp of the logits): max softmax can sit below chance on a model that separates well by its logits (method notes)' },
];

/**
 * The same claims read through other metrics, each its own Holm family: does an OOD verdict hold
 * with max-softmax and max-logit scores as with energy, and how does a calibration gap look
 * after temperature scaling? Checks, not claims: the primary metric alone carries a claim.
 */
export const CHECK_METRICS: readonly ClaimSpec[] = [
  { claim: 'ood', metric: 'auroc', why: 'AUROC of the max-softmax score', label: 'max-softmax AUROC' },
  { claim: 'ood', metric: 'maxLogitAuroc', why: 'AUROC of the max-logit score', label: 'max-logit AUROC' },
  { claim: 'calibration', metric: 'eceTs', why: 'ECE after temperature scaling fitted on the validation split', label: 'ECE after TS' },
];

/** ICM against its baselines: the plain pairs and each composed variant against its own baseline. */
export const COMPARISON_FAMILY: ReadonlyArray<{ method: string; baseline: string }> = [
  { method: 'icm', baseline: 'mixup' },
  { method: 'icm', baseline: 'ce' },
  { method: 'reg-icm', baseline: 'regmixup' },
  { method: 'remix-icm', baseline: 'remix' },
  { method: 'cutmix-icm', baseline: 'cutmix' },
];

export type Verdict = 'method ahead' | 'baseline ahead' | 'no clear difference' | 'too few seeds';

/** One comparison of one claim: the paired difference (method − baseline), its test and correction. */
export interface ClaimTest {
  claim: ClaimName;
  metric: MetricKey;
  dataset: string;
  protocol: string;
  method: string;
  baseline: string;
  seeds: number[];
  difference: PairedDifference;
  t: number;
  p: number;
  /** Holm-adjusted over the claim's family; NaN with fewer than two seeds. */
  pHolm: number;
  /** Tests in the claim's family: those with two paired seeds or more, counted before any seed at chance is left out. */
  familySize: number;
  /** The t-interval at this test's Holm step level, 1 − ALPHA / (m − rank + 1). */
  holmLevel: number;
  holmLow: number;
  holmHigh: number;
  verdict: Verdict;
  /**
   * Seeds left out of a calibration or OOD test because the method's or the baseline's model
   * ended at chance accuracy (absent when none): a model that learned nothing has an ECE near 0
   * and OOD scores of noise, which would read as a calibration win and add noise to OOD tests.
   */
  leftOut?: number[];
  /** The seeds at which each compared method's model ended at chance (absent when none). */
  atChance?: Record<string, number[]>;
}

/** Every claim's tests over the study's finished cells, Holm-corrected per spec (by default the primary metrics). */
export function claimTests(study: Study, metrics: ReadonlyMap<string, CellMetrics>, specs: readonly ClaimSpec[] = PRIMARY_METRICS, atChance: ReadonlySet<string> = new Set()): ClaimTest[] {
  const out: ClaimTest[] = [];
  for (const spec of specs) {
    const col = METRIC_COLUMNS.find((c) => c.key === spec.metric)!;
    const tests: Array<Omit<ClaimTest, 'pHolm' | 'familySize' | 'holmLevel' | 'holmLow' | 'holmHigh' | 'verdict'> & { pairedSeeds: number }> = [];
    for (const dataset of study.spec.datasets) {
      for (const p of study.protocols) {
        for (const { method, baseline } of COMPARISON_FAMILY) {
          if (!p.methods.includes(method) || !p.methods.includes(baseline)) continue;
          const a = metricsBySeed(study, metrics, dataset, p.id, method);
          const b = metricsBySeed(study, metrics, dataset, p.id, baseline);
          const paired = [...a.keys()].filter((s) => b.has(s) && a.get(s)![spec.metric] !== undefined && b.get(s)![spec.metric] !== undefined).sort((x, y) => x - y);
          // Accuracy keeps a collapsed seed (it is the method's failure); calibration and OOD do not.
          const collapsed = Object.fromEntries(
            [method, baseline]
              .map((m) => [m, chanceSeeds(cellsOf(study, dataset, p.id, m), atChance).filter((s) => paired.includes(s))] as const)
              .filter(([, seeds]) => seeds.length),
          );
          const chance = new Set(CHANCE_BLIND_METRICS.has(spec.metric) ? Object.values(collapsed).flat() : []);
          const seeds = paired.filter((s) => !chance.has(s));
          const leftOut = paired.filter((s) => chance.has(s));
          // A test whose every seed was left out still shows, as "too few seeds" naming them.
          if (!paired.length) continue;
          const difference = pairedDifference(seeds.map((s) => a.get(s)![spec.metric]!), seeds.map((s) => b.get(s)![spec.metric]!));
          const { t, p: pv } = pairedTTest(difference.differences);
          tests.push({ claim: spec.claim, metric: spec.metric, dataset, protocol: p.id, method, baseline, seeds, pairedSeeds: paired.length, difference, t, p: pv, ...(leftOut.length ? { leftOut } : {}), ...(Object.keys(collapsed).length ? { atChance: collapsed } : {}) });
        }
      }
    }
    // The family is fixed before any seed is left out: every test with two paired seeds or more,
    // so models at chance cannot shrink it and loosen the correction of the others.
    const m = tests.filter((x) => x.pairedSeeds >= 2).length;
    const adjusted = holmAdjust(tests.map((x) => x.p), m);
    const ranks = holmRanks(tests.map((x) => x.p));
    // Holm stops at its first non-rejection: every later test is judged at that step's level too,
    // so a Holm interval excludes 0 exactly when the test is rejected (at its own later step a
    // "no clear difference" test could otherwise show an interval clear of 0).
    const stop = Math.min(...ranks.filter((r, i) => Number.isFinite(r) && !(adjusted[i] < ALPHA)));
    tests.forEach(({ pairedSeeds: _, ...x }, i) => {
      const step = Math.min(ranks[i], stop);
      const holmLevel = Number.isFinite(ranks[i]) ? 1 - ALPHA / (m - step + 1) : NaN;
      const wide = Number.isFinite(holmLevel) ? pairedDifference(x.difference.differences, x.difference.differences.map(() => 0), holmLevel) : undefined;
      const better = col.higherIsBetter ? x.difference.mean > 0 : x.difference.mean < 0;
      const verdict: Verdict = !Number.isFinite(adjusted[i]) ? 'too few seeds' : adjusted[i] < ALPHA ? (better ? 'method ahead' : 'baseline ahead') : 'no clear difference';
      out.push({ ...x, pHolm: adjusted[i], familySize: m, holmLevel, holmLow: wide?.low ?? NaN, holmHigh: wide?.high ?? NaN, verdict });
    });
  }
  return out;
}
