import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { EvalReport } from './types.js';
import { headline, type Headline } from './summary.js';
import { mdTable } from '../../util/format.js';
import { metricsOf } from '../metrics/catalogue/index.js';
import { RUN_FILES } from '../../run/files.js';
import { IcmixError } from '../../util/errors.js';
import { readReport, reportPathOf } from './read.js';
import { readManifest } from '../../run/manifest.js';

/**
 * Several runs side by side, one row per run (usually one training method each): accuracy, ECE
 * before and after temperature scaling, NLL, Brier, AUROC and FPR95 (mean over OOD sets;
 * max-softmax, max-logit and energy scores), mean corruption accuracy, all on each report's
 * primary (first) runtime. Rows are grouped by dataset and protocol, one table each, and the best
 * value per column is bold within its group only: numbers on other data are not rivals.
 */

export interface ComparisonRow extends Headline {
  /** Row label: the training method, disambiguated by run folder when methods repeat. */
  label: string;
  method?: string;
  run: string;
  runtime: string;
  /** The evaluation data, and the training protocol where the run's manifest says it. */
  dataset: string;
  protocol: string;
  /** The evaluated file's name (model.onnx, model.calibrated.onnx, ...). */
  model: string;
  /** Temperature in the model's graph (1: not temperature-scaled). */
  temperature: number;
  /** ECE of the model at T = 1 and after temperature scaling, where the report holds each. */
  eceBeforeTs?: number;
  eceAfterTs?: number;
}

type Column = { key: keyof Headline; title: string; fmt: (x: number | undefined) => string; higherIsBetter: boolean };

/** The table's metric columns: the catalogue's 'compare' view. */
export const COMPARISON_COLUMNS: readonly Column[] = metricsOf('compare').map((m) => ({ key: m.key, title: m.short, fmt: m.format, higherIsBetter: m.direction === 'higher' }));

/** A row's protocol in words, from its run's training config; 'protocol not recorded' without one. */
export function protocolOf(config: { imbalance?: number; perClass?: number; trainSubset?: number } | undefined): string {
  if (!config) return 'protocol not recorded';
  const parts: string[] = [];
  if (config.imbalance !== undefined && config.imbalance > 1) parts.push(`long-tailed x${config.imbalance}`);
  if (config.perClass !== undefined) parts.push(`${config.perClass} per class`);
  if (config.trainSubset !== undefined) parts.push(`subset of ${config.trainSubset}`);
  return parts.length ? parts.join(', ') : 'balanced';
}

/** `reports`: (path of report.json, report, and the run's protocol when known). */
export function compareReports(reports: ReadonlyArray<{ path: string; report: EvalReport; protocol?: string }>): ComparisonRow[] {
  const runOf = (p: string) => (path.basename(p) === RUN_FILES.report ? path.basename(path.dirname(path.resolve(p))) : path.basename(p));
  const rows = reports.map(({ path: p, report, protocol }): ComparisonRow => {
    const h = headline(report);
    const scaled = report.model.temperature !== 1;
    // A report's id ECE is at the model's T: after scaling for a calibrated copy, before for the rest.
    return {
      label: report.model.method ?? runOf(p),
      method: report.model.method,
      run: runOf(p),
      runtime: report.runtimes[0]?.runtime ?? '?',
      dataset: report.dataset.name,
      protocol: protocol ?? 'protocol not recorded',
      model: path.basename(report.model.path),
      temperature: report.model.temperature,
      ...h,
      eceBeforeTs: scaled ? report.calibration?.before.ece : h.ece,
      eceAfterTs: scaled ? h.ece : undefined,
    };
  });
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.label, (counts.get(r.label) ?? 0) + 1);
  for (const r of rows) if ((counts.get(r.label) ?? 0) > 1) r.label = `${r.label} (${r.run})`;
  return rows;
}

type RowColumn = { title: string; value: (r: ComparisonRow) => number | undefined; fmt: (x: number | undefined) => string; higherIsBetter: boolean };

/** The metric columns of the table: the catalogue's, with ECE split into before and after TS. */
function rowColumns(): RowColumn[] {
  const out: RowColumn[] = [];
  for (const c of COMPARISON_COLUMNS) {
    if (c.key === 'ece') {
      out.push({ title: 'ECE before TS', value: (r) => r.eceBeforeTs, fmt: c.fmt, higherIsBetter: false });
      out.push({ title: 'ECE after TS', value: (r) => r.eceAfterTs, fmt: c.fmt, higherIsBetter: false });
    } else out.push({ title: c.title, value: (r) => r[c.key], fmt: c.fmt, higherIsBetter: c.higherIsBetter });
  }
  return out;
}

function renderGroup(rows: readonly ComparisonRow[]): string {
  const cols = rowColumns();
  const best = cols.map((c) => {
    const vals = rows.map(c.value).filter((v): v is number => v !== undefined && Number.isFinite(v));
    return vals.length > 1 ? (c.higherIsBetter ? Math.max(...vals) : Math.min(...vals)) : undefined;
  });
  const body = rows.map((r) => [
    r.label,
    r.model,
    r.temperature === 1 ? '1' : r.temperature.toFixed(3),
    r.runtime,
    ...cols.map((c, i) => {
      const v = c.value(r);
      const s = c.fmt(v);
      return v !== undefined && best[i] === v ? `**${s}**` : s;
    }),
  ]);
  return mdTable(['method', 'model', 'T', 'runtime', ...cols.map((c) => c.title)], body, ['l', 'l', 'r', 'l', ...cols.map(() => 'r' as const)]);
}

/** The comparison as one Markdown table per dataset and protocol, with a footnote on the conventions. */
export function renderComparison(rows: readonly ComparisonRow[]): string {
  const groups = new Map<string, ComparisonRow[]>();
  for (const r of rows) {
    const key = `${r.dataset} · ${r.protocol}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const tables = [...groups].map(([key, g]) => `### ${key}\n\n${renderGroup(g)}`);
  return (
    tables.join('\n') +
    '\nID test split; T is the temperature in the model\'s graph (1: not temperature-scaled), and accuracy, NLL, Brier and the OOD columns are of the model at its T; ' +
    'ECE before TS is at T = 1 (for a calibrated copy, from its calibration record), ECE after TS at the fitted T; ECE with each report\'s bins; ' +
    'AUROC and FPR95 (at 95% TPR) are means over OOD sets, with the max-softmax score unless the column names max logit (max_c z_c) or energy (logsumexp_c z_c); ' +
    'corruption acc. is the mean over all corruptions × severities; best per column in bold within each table (one dataset and protocol) only; – = not in the report.\n'
  );
}

/**
 * Read each run folder's (or file's) report and render the comparison tables. A folder without a
 * report.json (a glob such as runs/* takes in every folder) is skipped with a note; a file given
 * by name that is missing or invalid, or no report at all, is an error.
 */
export async function compareRuns(paths: readonly string[], onNote: (message: string) => void = () => {}): Promise<{ rows: ComparisonRow[]; markdown: string; skipped: string[] }> {
  if (paths.length === 0) throw new IcmixError('no runs given; pass run folders (e.g. runs/*) or report.json files');
  const reports = [];
  const skipped: string[] = [];
  for (const p of paths) {
    const file = reportPathOf(p);
    if (file !== p && !existsSync(file)) {
      skipped.push(p);
      continue;
    }
    const r = await readReport(p);
    reports.push({ ...r, protocol: await runProtocol(r.report.model.runDir) });
  }
  if (skipped.length) onNote(`skipped ${skipped.length} folder${skipped.length === 1 ? '' : 's'} without a report.json (${skipped.join(', ')}); run \`icmix eval\` on ${skipped.length === 1 ? 'it' : 'them'} to include ${skipped.length === 1 ? 'it' : 'them'}`);
  if (reports.length === 0) throw new IcmixError(`none of ${paths.join(', ')} holds a report.json; run \`icmix eval\` on the runs first`);
  const rows = compareReports(reports);
  return { rows, markdown: renderComparison(rows), skipped };
}

/** The protocol of the run a report came from, read from its manifest (undefined when unreadable). */
async function runProtocol(runDir: string | undefined): Promise<string | undefined> {
  if (!runDir) return undefined;
  try {
    return protocolOf((await readManifest(runDir)).config);
  } catch {
    return undefined;
  }
}
