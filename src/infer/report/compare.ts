import * as path from 'node:path';
import type { EvalReport } from './types.js';
import { headline, type Headline } from './summary.js';
import { mdTable } from '../../util/format.js';
import { metricsOf } from '../metrics/catalogue/index.js';
import { RUN_FILES } from '../../run/files.js';
import { IcmixError } from '../../util/errors.js';
import { readReport } from './read.js';

/**
 * Several runs side by side, one row per run (usually one training method each): accuracy, ECE,
 * NLL, Brier, AUROC and FPR95 (mean over OOD sets; max-softmax, max-logit and energy scores), mean corruption accuracy, all on
 * each report's primary (first) runtime. The best value per column is bold.
 */

export interface ComparisonRow extends Headline {
  /** Row label: the training method, disambiguated by run folder when methods repeat. */
  label: string;
  method?: string;
  run: string;
  runtime: string;
}

type Column = { key: keyof Headline; title: string; fmt: (x: number | undefined) => string; higherIsBetter: boolean };

/** The table's metric columns: the catalogue's 'compare' view. */
export const COMPARISON_COLUMNS: readonly Column[] = metricsOf('compare').map((m) => ({ key: m.key, title: m.short, fmt: m.format, higherIsBetter: m.direction === 'higher' }));

/** `reports`: pairs of (path of report.json, report). */
export function compareReports(reports: ReadonlyArray<{ path: string; report: EvalReport }>): ComparisonRow[] {
  const runOf = (p: string) => (path.basename(p) === RUN_FILES.report ? path.basename(path.dirname(path.resolve(p))) : path.basename(p));
  const rows = reports.map(({ path: p, report }) => ({
    label: report.model.method ?? runOf(p),
    method: report.model.method,
    run: runOf(p),
    runtime: report.runtimes[0]?.runtime ?? '?',
    ...headline(report),
  }));
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.label, (counts.get(r.label) ?? 0) + 1);
  for (const r of rows) if ((counts.get(r.label) ?? 0) > 1) r.label = `${r.label} (${r.run})`;
  return rows;
}

/** The comparison as a Markdown table with a footnote on the conventions. */
export function renderComparison(rows: readonly ComparisonRow[]): string {
  const best = new Map<keyof Headline, number>();
  for (const c of COMPARISON_COLUMNS) {
    const vals = rows.map((r) => r[c.key]).filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (vals.length > 1) best.set(c.key, c.higherIsBetter ? Math.max(...vals) : Math.min(...vals));
  }
  const body = rows.map((r) => [
    r.label,
    r.runtime,
    ...COMPARISON_COLUMNS.map((c) => {
      const s = c.fmt(r[c.key]);
      return r[c.key] !== undefined && best.get(c.key) === r[c.key] ? `**${s}**` : s;
    }),
  ]);
  return (
    mdTable(['method', 'runtime', ...COMPARISON_COLUMNS.map((c) => c.title)], body, ['l', 'l', ...COMPARISON_COLUMNS.map(() => 'r' as const)]) +
    '\nID test split; ECE with each report\'s bins; AUROC and FPR95 (at 95% TPR) are means over OOD sets, with the max-softmax score unless the column names max logit (max_c z_c) or energy (logsumexp_c z_c); ' +
    'corruption acc. is the mean over all corruptions × severities; best per column in bold; – = suite not run.\n'
  );
}

/**
 * Read each run folder's (or file's) report and render the comparison table. Every path must
 * hold a valid report; the error names the first that does not.
 */
export async function compareRuns(paths: readonly string[]): Promise<{ rows: ComparisonRow[]; markdown: string }> {
  if (paths.length === 0) throw new IcmixError('no runs given; pass run folders (e.g. runs/*) or report.json files');
  const reports = [];
  for (const p of paths) reports.push(await readReport(p));
  const rows = compareReports(reports);
  return { rows, markdown: renderComparison(rows) };
}
