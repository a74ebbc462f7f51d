/** Number formatting shared by the Markdown tables. */

/** A rate as a percentage with 2 decimals, '–' when absent. */
export const pct = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(2)}%`);

/** A plain number with 4 decimals, '–' when absent. */
export const num = (x: number | undefined, digits = 4): string => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits));

/** A Markdown table from a header row and body rows (cells escaped for '|'). */
export function mdTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>, align?: readonly ('l' | 'r')[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const sep = header.map((_, i) => ((align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'r' ? '---:' : ':---'));
  return [header, sep, ...rows].map((r, k) => `| ${(k === 1 ? r : r.map(cell)).join(' | ')} |`).join('\n') + '\n';
}
