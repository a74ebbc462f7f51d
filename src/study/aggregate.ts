import { CHANCE_BLIND_METRICS, METRIC_COLUMNS } from './metrics.js';
import { pairedDifference, summarise, type PairedDifference, type Summary } from './stats.js';
import type { Cell, CellMetrics, MetricKey, Protocol, Study } from './types.js';

/** One method's row of a protocol table: each metric's mean ± std over seeds. */
export interface MethodRow {
  method: string;
  /** Seeds with a finished cell. */
  seeds: number[];
  metrics: Partial<Record<MetricKey, Summary>>;
  /** Seeds whose model ended at chance (absent when none): its means mix in models that learned nothing. */
  atChance?: number[];
}

export interface ProtocolTable {
  dataset: string;
  protocol: string;
  kind: Protocol['kind'];
  description: string;
  rows: MethodRow[];
  /** The best method per column by mean (absent with fewer than two methods holding a value). */
  best: Partial<Record<MetricKey, string[]>>;
}

/** The paired comparison of one method against a baseline within a protocol. */
export interface PairedComparison {
  dataset: string;
  protocol: string;
  method: string;
  baseline: string;
  /** Seeds where both cells finished. */
  seeds: number[];
  metrics: Partial<Record<MetricKey, PairedDifference>>;
  /** Seeds where either model ended at chance (absent when none): not in the calibration and OOD columns. */
  atChance?: number[];
}

export function describeProtocol(p: Protocol): string {
  const base = p.kind === 'long-tailed' ? `long-tailed, imbalance ${p.imbalance}${p.perClass ? `, head class ${p.perClass}` : ''}` : p.kind === 'data-constrained' ? `data-constrained, ${p.perClass} per class` : 'balanced';
  const parts = [base];
  if (p.trainSubset !== undefined) parts.push(`training subset of ${p.trainSubset}`);
  if (p.epochs !== undefined) parts.push(`${p.epochs} epochs`);
  if (p.batchSize !== undefined) parts.push(`batch ${p.batchSize}`);
  return parts.join(', ');
}

export function cellsOf(study: Study, dataset: string, protocol: string, method: string): Cell[] {
  return study.cells.filter((c) => c.dataset === dataset && c.protocol === protocol && c.method === method);
}

/** One method's finished cells on one protocol: their metrics by seed. */
export function metricsBySeed(study: Study, metrics: ReadonlyMap<string, CellMetrics>, dataset: string, protocol: string, method: string): Map<number, CellMetrics> {
  return new Map(cellsOf(study, dataset, protocol, method).filter((c) => metrics.has(c.id)).map((c) => [c.seed, metrics.get(c.id)!]));
}

/** The seeds of `cells` whose model ended at chance (`atChance`: cell ids), ascending. */
export function chanceSeeds(cells: readonly Cell[], atChance: ReadonlySet<string>): number[] {
  return cells
    .filter((c) => atChance.has(c.id))
    .map((c) => c.seed)
    .sort((x, y) => x - y);
}

/** Which of `rows` are best per column (ties all marked). */
export function bestPerColumn(rows: readonly MethodRow[]): Partial<Record<MetricKey, string[]>> {
  const best: Partial<Record<MetricKey, string[]>> = {};
  for (const col of METRIC_COLUMNS) {
    // A row with models at chance is never best on calibration or OOD: a collapsed model's ECE of ~0 would win.
    const vals = rows
      .filter((r) => !(r.atChance?.length && CHANCE_BLIND_METRICS.has(col.key)))
      .map((r) => ({ m: r.method, v: r.metrics[col.key]?.mean }))
      .filter((x): x is { m: string; v: number } => x.v !== undefined && Number.isFinite(x.v));
    if (vals.length < 2) continue;
    const target = col.higherIsBetter ? Math.max(...vals.map((x) => x.v)) : Math.min(...vals.map((x) => x.v));
    best[col.key] = vals.filter((x) => x.v === target).map((x) => x.m);
  }
  return best;
}

/** Per dataset and protocol: methods as rows, metrics as mean ± std over the seeds that finished. */
export function aggregateTables(study: Study, metrics: ReadonlyMap<string, CellMetrics>, atChance: ReadonlySet<string> = new Set()): ProtocolTable[] {
  const tables: ProtocolTable[] = [];
  for (const dataset of study.spec.datasets) {
    for (const p of study.protocols) {
      const rows: MethodRow[] = p.methods.map((method) => {
        const cells = cellsOf(study, dataset, p.id, method).filter((c) => metrics.has(c.id));
        const collapsed = chanceSeeds(cells, atChance);
        const row: MethodRow = { method, seeds: cells.map((c) => c.seed), metrics: {}, ...(collapsed.length ? { atChance: collapsed } : {}) };
        for (const col of METRIC_COLUMNS) {
          const vals = cells.map((c) => metrics.get(c.id)![col.key]).filter((v): v is number => v !== undefined);
          if (vals.length) row.metrics[col.key] = summarise(vals);
        }
        return row;
      });
      tables.push({ dataset, protocol: p.id, kind: p.kind, description: describeProtocol(p), rows, best: bestPerColumn(rows) });
    }
  }
  return tables;
}

/**
 * `method` minus `baseline` per metric, paired by seed (same split, same initial-weight seed),
 * in every protocol where both ran; n = the seeds where both cells finished.
 */
export function pairedComparisons(
  study: Study,
  metrics: ReadonlyMap<string, CellMetrics>,
  method = study.compare.method,
  baseline = study.compare.baseline,
  level = 0.95,
  atChance: ReadonlySet<string> = new Set(),
): PairedComparison[] {
  const out: PairedComparison[] = [];
  for (const dataset of study.spec.datasets) {
    for (const p of study.protocols) {
      if (!p.methods.includes(method) || !p.methods.includes(baseline)) continue;
      const a = metricsBySeed(study, metrics, dataset, p.id, method);
      const b = metricsBySeed(study, metrics, dataset, p.id, baseline);
      const seeds = [...a.keys()].filter((s) => b.has(s)).sort((x, y) => x - y);
      // Seeds where either model ended at chance: left out of the calibration and OOD columns.
      const down = new Set([method, baseline].flatMap((m) => chanceSeeds(cellsOf(study, dataset, p.id, m), atChance)));
      const collapsed = seeds.filter((s) => down.has(s));
      const cmp: PairedComparison = { dataset, protocol: p.id, method, baseline, seeds, metrics: {}, ...(collapsed.length ? { atChance: collapsed } : {}) };
      for (const col of METRIC_COLUMNS) {
        const kept = CHANCE_BLIND_METRICS.has(col.key) ? seeds.filter((s) => !collapsed.includes(s)) : seeds;
        const pairs = kept.map((s) => [a.get(s)![col.key], b.get(s)![col.key]]).filter((x): x is [number, number] => x[0] !== undefined && x[1] !== undefined);
        if (pairs.length) cmp.metrics[col.key] = pairedDifference(pairs.map((x) => x[0]), pairs.map((x) => x[1]), level);
      }
      out.push(cmp);
    }
  }
  return out;
}
