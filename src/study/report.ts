import { mdTable } from '../util/format.js';
import { formatDuration } from '../util/progress.js';
import { describeInvocations, invocationSpan, type Invocation } from './invocations.js';
import { aggregateTables, pairedComparisons, type PairedComparison, type ProtocolTable } from './aggregate.js';
import { CHANCE_BLIND_METRICS, METRIC_COLUMNS, type MetricColumn } from './metrics.js';
import type { Summary } from './stats.js';
import { ALPHA, CHECK_METRICS, claimTests, PRIMARY_METRICS, type ClaimSpec, type ClaimTest } from './family.js';
import { CONVERGENCE_TOLERANCE } from './convergence.js';
import type { CellTraining, TuneSummary } from './health.js';
import type { CellMetrics, Study } from './types.js';
import { DEFAULT_RUNTIME } from '../infer/runtimes/types.js';

export const STUDY_REPORT_VERSION = 1 as const;

/** Where and how the study ran (recorded so published numbers can be traced). */
export interface StudyProvenance {
  /** The exact command line. */
  command: string;
  versions: Record<string, string>;
  machine: { os: string; cpu: string; cores: number; memoryGiB: number };
  /** Wall time of this invocation of `icmix study`. */
  wallSeconds: number;
  /** Sum of the stage wall times of every finished cell (over all invocations). */
  cellSeconds: number;
  /** Every invocation on this results folder: start, wall time, outcome. */
  invocations: Invocation[];
  /** Slurm task logs per cell (paths relative to the report), when cells ran as Slurm tasks. */
  cellLogs?: Record<string, string[]>;
}

export interface StudyReport {
  schemaVersion: typeof STUDY_REPORT_VERSION;
  name: string;
  description?: string;
  notes?: string;
  file?: string;
  createdAt: string;
  settings: {
    model: string;
    width?: number;
    epochs: number;
    batchSize?: number;
    train?: Record<string, unknown>;
    datasets: string[];
    seeds: number[];
    eval: Study['cells'][number]['eval'] | undefined;
    reportedOod: Record<string, string | undefined>;
  };
  provenance: StudyProvenance;
  cells: { total: number; finished: number; failed: Array<{ id: string; error: string }>; missing: string[] };
  /** Per-cell headline numbers, by cell id. */
  cellMetrics: Record<string, CellMetrics>;
  tables: ProtocolTable[];
  comparisons: PairedComparison[];
  /** The primary metric of each claim, and every claim's paired tests, Holm-corrected per claim. */
  primaryMetrics: readonly ClaimSpec[];
  claims: ClaimTest[];
  /** The OOD and calibration comparisons under CHECK_METRICS (each its own Holm family); absent in older reports. */
  claimChecks?: ClaimTest[];
  /** Learning-rate sweeps and their choices (empty without `tune`). */
  tuning: TuneSummary[];
  /** Per cell (tune cells too): the lr it trained at, the convergence check, trainer warnings. */
  training: Record<string, CellTraining>;
  /** Reliability diagram files (relative to the report), per dataset and protocol. */
  figures: Array<{ dataset: string; protocol: string; file: string; methods: string[] }>;
}

export function buildStudyReport(
  study: Study,
  metrics: ReadonlyMap<string, CellMetrics>,
  extra: { provenance: StudyProvenance; failed: Array<{ id: string; error: string }>; figures: StudyReport['figures']; tuning?: TuneSummary[]; training?: Record<string, CellTraining> },
): StudyReport {
  const s = study.spec;
  const failedIds = new Set(extra.failed.map((f) => f.id));
  // Cells whose model ended at chance (the trainer's near-chance warning): left out of the
  // calibration and OOD tests, where they would pass for perfectly calibrated models.
  const atChance = new Set(Object.entries(extra.training ?? {}).filter(([, t]) => t.warnings.some((w) => w.kind === 'near-chance')).map(([id]) => id));
  return {
    schemaVersion: STUDY_REPORT_VERSION,
    name: s.name,
    ...(s.description ? { description: s.description } : {}),
    ...(s.notes ? { notes: s.notes } : {}),
    ...(study.file ? { file: study.file } : {}),
    createdAt: new Date().toISOString(),
    settings: { model: s.model, width: s.width, epochs: s.epochs, batchSize: s.batchSize, train: s.train as Record<string, unknown> | undefined, datasets: s.datasets, seeds: s.seeds, eval: study.cells[0]?.eval, reportedOod: study.reportedOod },
    provenance: extra.provenance,
    cells: {
      total: study.cells.length,
      finished: study.cells.filter((c) => metrics.has(c.id)).length,
      failed: extra.failed,
      missing: study.cells.filter((c) => !metrics.has(c.id) && !failedIds.has(c.id)).map((c) => c.id),
    },
    cellMetrics: Object.fromEntries(study.cells.filter((c) => metrics.has(c.id)).map((c) => [c.id, metrics.get(c.id)!])),
    tables: aggregateTables(study, metrics, atChance),
    comparisons: pairedComparisons(study, metrics, study.compare.method, study.compare.baseline, 0.95, atChance),
    primaryMetrics: PRIMARY_METRICS,
    claims: claimTests(study, metrics, PRIMARY_METRICS, atChance),
    claimChecks: claimTests(study, metrics, CHECK_METRICS, atChance),
    tuning: extra.tuning ?? [],
    training: extra.training ?? {},
    figures: extra.figures,
  };
}

/** How the OOD columns read (the catalogue's score entries, src/infer/metrics/catalogue/ood-*.ts). */
const OOD_SCORES_NOTE =
  'OOD columns use the max-softmax score unless a score is named: max logit = max_c z_c; energy = logsumexp_c z_c (T = 1), the negative free energy −E(x). ' +
  'Every score counts higher as more in-distribution, with in-distribution as the positive class.';

const scale = (col: MetricColumn, v: number) => (col.percent ? 100 * v : v);
const digits = (col: MetricColumn) => (col.percent ? 2 : 4);

/** "12.34 ± 0.56" (percent columns in percentage points); one seed shows the value alone. */
export function formatSummary(col: MetricColumn, s: Summary | undefined): string {
  if (!s || s.n === 0) return '–';
  const m = scale(col, s.mean).toFixed(digits(col));
  return s.n >= 2 ? `${m} ± ${scale(col, s.std).toFixed(digits(col))}` : m;
}

function signed(x: number, d: number): string {
  return `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(d)}`;
}

function machineLine(p: StudyProvenance): string {
  return `${p.machine.cpu}, ${p.machine.cores} cores, ${p.machine.memoryGiB.toFixed(0)} GiB, ${p.machine.os}`;
}

/** The study report as Markdown. */
export function renderStudyMarkdown(r: StudyReport): string {
  const out: string[] = [];
  out.push(`# Study: ${r.name}\n`);
  if (r.description) out.push(`${r.description.trim()}\n`);
  if (r.notes) out.push(`**Choices.** ${r.notes.trim()}\n`);
  const st = r.settings;
  const ood = Object.entries(st.reportedOod).map(([d, o]) => `${o ?? '–'} as OOD for ${d}`).join('; ');
  out.push(
    [
      `- Model: ${st.model}${st.width && st.width !== 1 ? ` (width ×${st.width})` : ''}, ${st.epochs} epochs, batch ${st.batchSize ?? 128}` + (st.train && Object.keys(st.train).length ? `; training overrides ${JSON.stringify(st.train)}` : ''),
      `- Datasets: ${st.datasets.join(', ')}; seeds: ${st.seeds.join(', ')}`,
      `- Evaluation: runtime ${st.eval?.runtimes.join(', ') ?? DEFAULT_RUNTIME} (tables use the first), suites ${st.eval?.suites.join(', ') ?? '–'}, ECE with ${st.eval?.bins ?? 15} equal-width bins, ` +
        (st.eval?.suites.includes('corruptions') ?? true ? `${st.eval?.corruptionSamples ?? 'all'} test images per corruption × severity; ` : '') +
        `OOD: ${ood} (max-softmax, max-logit and energy scores)`,
      `- Cells: ${r.cells.finished} of ${r.cells.total} finished` + (r.cells.failed.length ? `, ${r.cells.failed.length} failed` : '') + (r.cells.missing.length ? `, ${r.cells.missing.length} not run` : ''),
    ].join('\n') + '\n',
  );

  out.push('## Results\n');
  out.push(
    'Mean ± sample standard deviation over seeds (a single value when one seed finished). Accuracy, ECE, ECE after temperature scaling (T fitted on the held-out validation split), OOD AUROC / FPR95 and mean corruption accuracy are in percent; NLL and Brier are raw. ' +
      'ID metrics are on the test split for the uncalibrated model. The best mean per column is **bold**. ' +
      'Where n counts seeds "at chance" (the model learned nothing), the means include them, and the row is never bold in a calibration or OOD column: such a model has an ECE near 0. ' +
      OOD_SCORES_NOTE +
      '\n',
  );
  for (const t of r.tables) {
    out.push(`### ${t.dataset}: ${t.protocol} (${t.description})\n`);
    const body = t.rows.map((row) => [
      row.method,
      row.atChance?.length ? `${row.seeds.length} (${row.atChance.length} at chance)` : String(row.seeds.length),
      ...METRIC_COLUMNS.map((col) => {
        const s = formatSummary(col, row.metrics[col.key]);
        return t.best[col.key]?.includes(row.method) ? `**${s}**` : s;
      }),
    ]);
    out.push(mdTable(['method', 'n', ...METRIC_COLUMNS.map((c) => c.title)], body, ['l', 'r', ...METRIC_COLUMNS.map(() => 'r' as const)]));
  }

  if (r.comparisons.length) {
    const c0 = r.comparisons[0];
    out.push(`## Paired comparison: ${c0.method} − ${c0.baseline}\n`);
    out.push(
      `Per protocol, the difference ${c0.method} minus ${c0.baseline} paired by seed (same data split and initialisation seed); mean difference and a 95% Student-t interval over the n seeds where both finished ` +
        '(descriptive: every metric, not corrected for multiple comparisons; the claims are judged in the Holm-corrected section below) ' +
        '(no interval when n = 1). Percent columns in percentage points. For accuracy, AUROC and corruption accuracy higher is better; for ECE, NLL, Brier and FPR95 lower is better.\n',
    );
    const body: string[][] = [];
    for (const c of r.comparisons) {
      for (const col of METRIC_COLUMNS) {
        const d = c.metrics[col.key];
        if (!d) continue;
        const k = digits(col);
        const ci = d.n >= 2 ? `[${signed(scale(col, d.low), k)}, ${signed(scale(col, d.high), k)}]` : '–';
        const better = col.higherIsBetter ? d.mean > 0 : d.mean < 0;
        // Descriptive and uncorrected: "better" and "ahead" are left to the Holm-corrected claims.
        const verdict = d.n >= 2 && (d.low > 0 || d.high < 0) ? `excludes 0, favours ${better ? c.method : c.baseline} (uncorrected)` : d.mean === 0 ? 'equal' : d.n >= 2 ? 'interval includes 0' : 'one seed: no interval';
        const n = c.atChance?.length && CHANCE_BLIND_METRICS.has(col.key) ? `${d.n} (${leftOutNote(c.atChance)})` : String(d.n);
        body.push([`${c.dataset}: ${c.protocol}`, col.title, signed(scale(col, d.mean), k), ci, n, verdict]);
      }
    }
    out.push(mdTable(['protocol', 'metric', 'mean difference', '95% CI', 'n', 'reading'], body, ['l', 'l', 'r', 'r', 'r', 'l']));
  }

  out.push(...renderClaims(r));
  out.push(...renderTuning(r));
  out.push(...renderTraining(r));

  if (r.figures.length) {
    out.push('## Reliability diagrams\n');
    out.push('Test-split predictions of all seeds pooled per method; bars are per-bin accuracy, shaded gaps the difference to mean confidence.\n');
    for (const f of r.figures) out.push(`![${f.methods.join(' vs ')}, ${f.dataset} ${f.protocol}](${f.file})\n`);
  }

  if (r.cells.failed.length) {
    out.push('## Failed cells\n');
    for (const f of r.cells.failed) out.push(`- \`${f.id}\`: ${f.error.split('\n')[0]}`);
    out.push('');
  }

  const p = r.provenance;
  out.push('## Provenance\n');
  out.push(
    [
      `- Command: \`${p.command}\``,
      `- Versions: ${Object.entries(p.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`,
      `- Machine: ${machineLine(p)}`,
      p.invocations.length > 1
        ? `- Wall time: ${formatDuration(invocationSpan(p.invocations))} while any of the ${p.invocations.length} invocations on this results folder ran (overlapping ones counted once); compute of all finished cells (sum of stage times): ${formatDuration(p.cellSeconds)}`
        : `- Wall time of this invocation: ${formatDuration(p.wallSeconds)}; compute of all finished cells (sum of stage times): ${formatDuration(p.cellSeconds)}`,
      ...(p.invocations.length > 1 ? [`- Invocations on this results folder: ${describeInvocations(p.invocations)}`] : []),
      ...(p.cellLogs && Object.keys(p.cellLogs).length ? [`- Slurm task logs: ${Object.entries(p.cellLogs).map(([id, logs]) => `\`${id}\` ${logs.map((l) => `[${l.split('/').pop()}](${l})`).join(', ')}`).join('; ')}`] : []),
      `- Report written ${r.createdAt}`,
    ].join('\n') + '\n',
  );
  return out.join('\n');
}

const pct = (x: number, d = 2) => (Number.isFinite(x) ? (100 * x).toFixed(d) : '–');
const pval = (p: number) => (!Number.isFinite(p) ? '–' : p < 0.001 ? '<0.001' : p.toFixed(3));

/** The claims' paired tests: primary metric per claim, Holm-corrected within each claim. */
function renderClaims(r: StudyReport): string[] {
  if (!r.claims?.length) return [];
  const out: string[] = ['## Claims: paired differences, Holm-corrected\n'];
  out.push(
    `Each claim has one primary metric, fixed in src/study/family.ts before any run: ${r.primaryMetrics.map((m) => `**${m.claim}**: ${METRIC_COLUMNS.find((c) => c.key === m.metric)?.title ?? m.metric} (${m.why})`).join('; ')}. ` +
      'Differences are method − baseline paired by seed (same split and initialisation), in percentage points, with a 95% t-interval; ' +
      `p is the two-sided paired t-test, Holm-corrected over the claim's family (every pair × protocol with two paired seeds or more, counted before seeds at chance are left out); the Holm interval is the t-interval at that test's Holm step level. ` +
      `A row reads "ahead" only where the Holm-adjusted p is below ${ALPHA}; otherwise "no clear difference". ` +
      'Calibration and OOD tests leave out a seed where either model ended at chance accuracy (the trainer\'s near-chance warning): its ECE is near 0 and its OOD scores are noise, which would pass for a calibration win; accuracy tests keep it.\n',
  );
  const body = r.claims.map((c) => {
    const d = c.difference;
    const ci = d.n >= 2 ? `[${signed(100 * d.low, 2)}, ${signed(100 * d.high, 2)}]` : '–';
    const hci = Number.isFinite(c.holmLow) ? `[${signed(100 * c.holmLow, 2)}, ${signed(100 * c.holmHigh, 2)}]` : '–';
    const reading = c.verdict === 'method ahead' ? `${c.method} ahead` : c.verdict === 'baseline ahead' ? `${c.baseline} ahead` : c.verdict;
    const n = c.leftOut?.length ? `${d.n} (${leftOutNote(c.leftOut)})` : c.atChance ? `${d.n} (${chanceNote(c.atChance)})` : String(d.n);
    return [c.claim, `${c.dataset}: ${c.protocol}`, `${c.method} − ${c.baseline}`, d.n ? signed(100 * d.mean, 2) : '–', ci, n, pval(c.p), pval(c.pHolm), hci, reading];
  });
  out.push(mdTable(['claim', 'protocol', 'comparison', 'mean diff', '95% CI', 'n', 'p', 'Holm p', 'Holm CI', 'reading'], body, ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'l']));
  out.push(...renderChecks(r));
  return out;
}

/** "seeds 2, 4 at chance, left out": where a calibration or OOD number leaves seeds out. */
function leftOutNote(seeds: readonly number[]): string {
  return `seed${seeds.length > 1 ? 's' : ''} ${seeds.join(', ')} at chance, left out`;
}

/** "icm at chance on 4 seeds (2, 4, 5, 9)": which models learned nothing, where a test keeps them. */
export function chanceNote(atChance: Record<string, number[]>): string {
  return Object.entries(atChance)
    .map(([m, seeds]) => `${m} at chance on ${seeds.length} seed${seeds.length > 1 ? 's' : ''} (${seeds.join(', ')})`)
    .join(', ');
}

/** A test's reading in a few words: "icm ahead (+2.70)", "no clear difference (−0.29)". */
export function briefReading(c: ClaimTest): string {
  const left = c.leftOut?.length ? `; ${c.leftOut.length} seed${c.leftOut.length > 1 ? 's' : ''} at chance left out` : c.atChance ? `; ${chanceNote(c.atChance)}` : '';
  if (c.difference.n === 0) return `no comparison (${c.leftOut?.length ?? 0} seeds, all at chance)`;
  const d = signed(100 * c.difference.mean, 2) + left;
  if (c.verdict === 'method ahead') return `${c.method} ahead (${d})`;
  if (c.verdict === 'baseline ahead') return `${c.baseline} ahead (${d})`;
  return `${c.verdict} (${d})`;
}

/** Each OOD and calibration verdict beside the same comparison under the check metrics. */
function renderChecks(r: StudyReport): string[] {
  const checks = r.claimChecks ?? [];
  if (!checks.length) return [];
  const key = (c: ClaimTest) => `${c.claim}|${c.dataset}|${c.protocol}|${c.method}|${c.baseline}`;
  const specs = CHECK_METRICS.filter((m) => checks.some((c) => c.metric === m.metric));
  const title = (m: string) => METRIC_COLUMNS.find((c) => c.key === m)?.title ?? m;
  const out: string[] = ['### Do the OOD and calibration verdicts hold under other scores?\n'];
  out.push(
    'Each OOD comparison again with the max-softmax and max-logit AUROC, and each calibration comparison with ECE after temperature scaling; ' +
      'every column is its own Holm family (same rule as above). These check the primary verdicts; they are not claims of their own.\n',
  );
  const body: string[][] = [];
  for (const c of r.claims.filter((x) => x.claim === 'ood' || x.claim === 'calibration')) {
    const row = [c.claim, `${c.dataset}: ${c.protocol}`, `${c.method} − ${c.baseline}`, `${title(c.metric)}: ${briefReading(c)}`];
    for (const m of specs) {
      if (m.claim !== c.claim) continue;
      const hit = checks.find((x) => x.metric === m.metric && key(x) === key(c));
      row.push(hit ? `${m.label ?? title(m.metric)}: ${briefReading(hit)}` : '–');
    }
    while (row.length < 4 + Math.max(...(['ood', 'calibration'] as const).map((k) => specs.filter((m) => m.claim === k).length))) row.push('');
    body.push(row);
  }
  const width = body.reduce((w, row) => Math.max(w, row.length), 4);
  out.push(mdTable(['claim', 'protocol', 'comparison', 'primary', ...Array.from({ length: width - 4 }, (_, i) => `check ${i + 1}`)], body, ['l', 'l', 'l', 'l', ...Array.from({ length: width - 4 }, () => 'l' as const)]));
  return out;
}

/** Whether a sweep chose its smallest or largest rate (so its optimum may lie outside the sweep). */
function atEdge(t: TuneSummary): boolean {
  if (t.chosen === undefined || t.scores.length < 2) return false;
  const swept = t.scores.map((s) => s.lr);
  return t.chosen === Math.min(...swept) || t.chosen === Math.max(...swept);
}

/** The learning-rate sweeps: validation accuracy per lr and the choice. */
function renderTuning(r: StudyReport): string[] {
  if (!r.tuning?.length) return [];
  const lrs = [...new Set(r.tuning.flatMap((t) => t.scores.map((s) => s.lr)))].sort((a, b) => a - b);
  const out: string[] = ['## Learning-rate tuning\n'];
  out.push('Mean validation accuracy (%) after the last epoch over the tune seeds, per swept lr (validation split only; tune cells never see the test split). The chosen lr (**bold**) trained every seed of that method and protocol.\n');
  const body = r.tuning.map((t) => [
    `${t.dataset}: ${t.protocol}`,
    t.method,
    ...lrs.map((lr) => {
      const s = t.scores.find((x) => x.lr === lr);
      if (!s) return '';
      const v = s.n ? pct(s.valAccuracy) : '–';
      return t.chosen === lr ? `**${v}**` : v;
    }),
    t.chosen !== undefined ? `${t.chosen}${atEdge(t) ? ' (edge)' : ''}` : `pending (${t.missing.length} tune cell${t.missing.length === 1 ? '' : 's'})`,
  ]);
  out.push(mdTable(['protocol', 'method', ...lrs.map((lr) => `lr ${lr}`), 'chosen'], body, ['l', 'l', ...lrs.map(() => 'r' as const), 'r']));
  const edges = r.tuning.filter(atEdge);
  if (edges.length) {
    out.push(
      `${edges.length} of ${r.tuning.filter((t) => t.chosen !== undefined).length} choices are the smallest or largest rate swept (marked "edge"): ` +
        'the best rate for those may lie outside the sweep, and those methods may be under-tuned against the others.\n',
    );
  }
  return out;
}

/** Per main cell: lr, final validation accuracy, the convergence check and warnings. */
function renderTraining(r: StudyReport): string[] {
  const ids = Object.keys(r.training ?? {}).filter((id) => !id.startsWith('tune_'));
  if (!ids.length) return [];
  const out: string[] = ['## Convergence and training warnings\n'];
  const flagged = ids.filter((id) => r.training[id].convergence && !r.training[id].convergence!.converged);
  const warned = Object.entries(r.training).filter(([, t]) => t.warnings.length);
  out.push(
    `Per cell: validation accuracy after the last epoch and its change over the last quarter of the epochs; flagged (**not converged**) when it moved by more than ${(100 * CONVERGENCE_TOLERANCE).toFixed(1)} points. ` +
      `${flagged.length} of ${ids.length} cells flagged; ${warned.length} cell${warned.length === 1 ? '' : 's'} (tune cells included) with trainer warnings.\n`,
  );
  const body = ids.map((id) => {
    const t = r.training[id];
    const c = t.convergence;
    return [id, String(t.lr), String(t.epochs), t.valAccuracy !== undefined ? pct(t.valAccuracy) : '–', c ? `${signed(100 * c.change, 2)} over ${c.window}` : 'too few epochs', c ? (c.converged ? 'yes' : '**not converged**') : '–', t.warnings.map((w) => w.kind).join(', ') || '–'];
  });
  out.push(mdTable(['cell', 'lr', 'epochs', 'val acc', 'Δ val acc (points, epochs)', 'converged', 'warnings'], body, ['l', 'r', 'r', 'r', 'r', 'l', 'l']));
  for (const [id, t] of warned) for (const w of t.warnings) out.push(`- \`${id}\`: ${w.message}`);
  if (warned.length) out.push('');
  return out;
}
