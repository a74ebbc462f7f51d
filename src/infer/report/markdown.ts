import type { EvalReport } from './types.js';
import { OOD_SCORE_NAMES } from './types.js';
import { confusionMarkdown } from './confusion.js';
import { mdTable, num, pct } from '../../util/format.js';
import { meanOod } from './summary.js';
import { OOD_SCORE_LABELS as SCORE_LABEL } from '../metrics/ood-scores.js';
import { PREDICTION_METRICS } from '../metrics/catalogue/index.js';

/** The Markdown summary of one report (report.md, and what `icmix eval` prints). */

export function renderMarkdown(report: EvalReport): string {
  const out: string[] = [];
  const m = report.model;
  out.push(`# icmix evaluation: ${m.method ?? 'model'} on ${report.dataset.name}\n`);
  out.push(
    `Model \`${m.path}\` (${m.classNames.length} classes, input ${m.inputShape.join('×')} ${m.inputLayout}, ` +
      `${m.output}, T = ${num(m.temperature, 3)}${m.dataset ? `, trained on ${m.dataset}` : ''}). ` +
      `Test split: ${report.dataset.testSize} images${report.dataset.testSplit ? ` (${report.dataset.testSplit})` : ''}; ${report.settings.bins} ECE bins; suites ${report.settings.suites.join(', ')}; ` +
      `icmix ${report.icmixVersion}, ${report.createdAt}.\n`,
  );

  out.push('## Runtimes\n');
  out.push(
    mdTable(
      ['runtime', 'requested', 'time (s)', 'images/s (id)', 'note'],
      report.runtimes.map((r) => [r.runtime, r.requested ?? r.runtime, num(r.timing?.seconds, 2), num(r.timing?.idImagesPerSecond, 1), r.note ?? '']),
      ['l', 'l', 'r', 'r', 'l'],
    ),
  );

  const withId = report.runtimes.filter((r) => r.suites.id);
  if (withId.length) {
    out.push(`## In-distribution (${withId[0].suites.id!.n} test images)\n`);
    out.push(
      mdTable(
        ['runtime', ...PREDICTION_METRICS.map((m) => m.short)],
        report.runtimes.flatMap((r, i) => (r.suites.id ? [[r.runtime, ...PREDICTION_METRICS.map((m) => m.format(m.extract(report, { runtime: i })))]] : [])),
      ),
    );
  }

  const primary = withId[0]?.suites.id;
  if (primary?.confusion) out.push(confusionMarkdown(primary.confusion, report.model.classNames, withId[0].runtime));

  const c = report.calibration;
  if (c) {
    out.push(`## Temperature scaling\n`);
    out.push(
      `T = ${num(c.temperature, 4)} fitted on the ${c.fitSplit} split (NLL ${num(c.fitNllBefore)} → ${num(c.fitNllAfter)}); test split:\n`,
    );
    out.push(
      mdTable(
        ['', 'accuracy', 'NLL', 'ECE', 'Brier'],
        [
          ['before (T = 1)', pct(c.before.accuracy), num(c.before.nll), pct(c.before.ece), num(c.before.brier)],
          [`after (T = ${num(c.temperature, 3)})`, pct(c.after.accuracy), num(c.after.nll), pct(c.after.ece), num(c.after.brier)],
        ],
      ),
    );
  }

  for (const r of report.runtimes) {
    const sets = r.suites.ood;
    if (!sets?.length) continue;
    out.push(`## OOD detection (${r.runtime}; in-distribution positive)\n`);
    const rows: string[][] = [];
    for (const s of sets) {
      for (const score of OOD_SCORE_NAMES) {
        const d = s.scores[score];
        if (d) rows.push([`${s.name} (${s.kind}, n=${s.n})`, SCORE_LABEL[score], pct(d.auroc), pct(d.auprIn), pct(d.auprOut), pct(d.fpr95)]);
      }
    }
    for (const score of sets.length > 1 ? OOD_SCORE_NAMES : []) {
      const d = meanOod(r, score);
      if (d) rows.push(['**mean**', SCORE_LABEL[score], pct(d.auroc), pct(d.auprIn), pct(d.auprOut), pct(d.fpr95)]);
    }
    out.push(mdTable(['OOD set', 'score', 'AUROC', 'AUPR-In', 'AUPR-Out', 'FPR@95TPR'], rows, ['l', 'l', 'r', 'r', 'r', 'r']));
    if (report.runtimes.length > 1) break; // other runtimes' OOD numbers: see report.json and parity below
  }

  for (const r of report.runtimes) {
    const cs = r.suites.corruptions;
    if (!cs) continue;
    const severities = [...new Set(cs.results.map((x) => x.severity))].sort((a, b) => a - b);
    out.push(`## Corruptions (${r.runtime}; accuracy per severity, means over severities)\n`);
    const rows = cs.perCorruption.map((pc) => [
      pc.corruption,
      ...severities.map((sv) => pct(cs.results.find((x) => x.corruption === pc.corruption && x.severity === sv)?.accuracy)),
      pct(pc.accuracy),
      pct(pc.ece),
      num(pc.nll),
    ]);
    rows.push(['**mean**', ...severities.map((sv) => {
      const xs = cs.results.filter((x) => x.severity === sv);
      return pct(xs.reduce((a, x) => a + x.accuracy, 0) / xs.length);
    }), pct(cs.mean.accuracy), pct(cs.mean.ece), num(cs.mean.nll)]);
    out.push(mdTable(['corruption', ...severities.map((s) => `s${s}`), 'accuracy', 'ECE', 'NLL'], rows));
    if (report.runtimes.length > 1) break;
  }

  if (report.parity?.length) {
    out.push('## Cross-runtime parity\n');
    out.push(
      mdTable(
        ['runtimes', 'suite', 'n', 'top-1 agreement', 'max |Δp|'],
        report.parity.map((p) => [`${p.a} vs ${p.b}`, p.suite, String(p.n), pct(p.top1Agreement), p.maxAbsDiff.toExponential(2)]),
        ['l', 'l', 'r', 'r', 'r'],
      ),
    );
  }
  return out.join('\n');
}
