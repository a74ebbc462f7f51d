import type { Cell } from './types.js';

/**
 * The order a local runner starts `cells`, out of all the `study`'s cells (the `--cell` indices
 * keep the study's own order). Dataset x protocol by dataset x protocol: its tune cells, then its
 * main cells seed by seed across methods (every method at seed 1, then at seed 2). Tune groups
 * are per method, so ordering by readiness alone would run every seed of the first method whose
 * sweep finished before the next method's sweep; this way a study stopped part-way holds whole
 * protocols and paired seeds, what a paired comparison of the finished cells needs.
 */
export function runOrder(cells: readonly Cell[], study: readonly Cell[] = cells): Cell[] {
  const rank = (values: string[], what: string) => {
    const first = new Map<string, number>();
    for (const v of values) if (!first.has(v)) first.set(v, first.size);
    return (v: string) => {
      const r = first.get(v);
      if (r === undefined) throw new Error(`runOrder: ${what} ${v} is not in the study`);
      return r;
    };
  };
  // Ranks from the whole study's order, so what is left of a study keeps the same order.
  const where = (c: Cell) => `${c.dataset}\0${c.protocol}`;
  const main = study.filter((c) => !c.tune);
  const group = rank(study.map(where), 'dataset x protocol');
  const seed = rank(main.map((c) => String(c.seed)), 'seed');
  const method = rank(main.map((c) => c.method), 'method');
  const index = rank(study.map((c) => c.id), 'cell');
  // Within a group: tune cells first in index order, then main cells by seed, then method.
  const key = (c: Cell) => (c.tune ? [group(where(c)), 0, index(c.id), 0] : [group(where(c)), 1, seed(String(c.seed)), method(c.method)]);
  const byKey = (a: number[], b: number[]) => a.reduce((d, x, j) => d || x - b[j], 0);
  return cells.map((c) => ({ c, k: key(c) })).sort((a, b) => byKey(a.k, b.k)).map((e) => e.c);
}
