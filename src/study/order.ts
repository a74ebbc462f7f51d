import type { Cell } from './types.js';

/**
 * The order a local runner starts `cells`, out of all the `study`'s cells (the `--cell` indices
 * keep the study's own order).
 * Main cells come first, seed by seed across methods within each dataset x protocol, and tune
 * cells after them; the runner passes over a main cell whose tune cells have not finished, so
 * tuning still goes first, but a protocol whose sweep is done trains its seeds before the other
 * protocols' sweeps. A study stopped part-way then holds whole protocols and paired seeds (every
 * method at seed 1, then at seed 2) rather than every seed of one method and none of another:
 * what a paired comparison of the finished cells needs.
 */
export function runOrder(cells: readonly Cell[], study: readonly Cell[] = cells): Cell[] {
  const rank = (values: string[]) => {
    const first = new Map<string, number>();
    for (const v of values) if (!first.has(v)) first.set(v, first.size);
    return (v: string) => first.get(v)!;
  };
  // Ranks from the whole study's order, so what is left of a study keeps the same order.
  const all = study.filter((c) => !c.tune);
  const group = rank(all.map((c) => `${c.dataset}\0${c.protocol}`));
  const seed = rank(all.map((c) => String(c.seed)));
  const method = rank(all.map((c) => c.method));
  const main = cells.filter((c) => !c.tune);
  const key = (c: Cell) => [group(`${c.dataset}\0${c.protocol}`), seed(String(c.seed)), method(c.method)];
  const byKey = (a: number[], b: number[]) => a.reduce((d, x, j) => d || x - b[j], 0);
  const sorted = main.map((c, i) => ({ c, k: [...key(c), i] })).sort((a, b) => byKey(a.k, b.k)).map((e) => e.c);
  return [...sorted, ...cells.filter((c) => c.tune)];
}
