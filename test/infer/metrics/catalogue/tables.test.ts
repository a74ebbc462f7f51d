import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareReports, renderComparison, renderMarkdown } from '../../../../src/infer/report/index.js';
import { buildStudyReport, cellMetrics, renderStudyMarkdown, studyFromObject, type CellMetrics } from '../../../../src/study/index.js';
import { metricByKey } from '../../../../src/infer/metrics/catalogue/index.js';
import { makeReport } from '../../report/fixture.js';

/**
 * The tables derived from the catalogue print what they printed before it existed: the golden
 * files are the output of main before the catalogue (commit 2fd0629) on these same fixtures.
 */
const golden = (name: string) => readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden', name), 'utf8');

test('icmix report comparison: the golden table (one per dataset and protocol, ECE before and after TS)', () => {
  const a = makeReport(1, 'ce', 0.8);
  const b = makeReport(2, 'icm', 2.5);
  const c = makeReport(3, 'mixup', 1.5);
  delete b.runtimes[0].suites.corruptions;
  const rows = compareReports([{ path: 'runs/ce/report.json', report: a }, { path: 'runs/icm/report.json', report: b }, { path: 'runs/mixup', report: c }]);
  assert.equal(renderComparison(rows), golden('compare.md'));
});

test('report.md: same as before the catalogue, and it carries the max-logit and energy rows', () => {
  const r = makeReport(1);
  const md = renderMarkdown(r);
  assert.equal(md, golden('report.md'));
  const set = r.runtimes[0].suites.ood![0];
  for (const [label, key] of [['max logit', 'maxLogit'], ['energy', 'energy']] as const) {
    const auroc = metricByKey(`${key}Auroc`).extract(r, { ood: { set: set.name } });
    const fpr = metricByKey(`${key}Fpr95`).extract(r, { ood: { set: set.name } });
    assert.ok(md.includes(`| ${set.name} (${set.kind}, n=${set.n}) | ${label} | ${(auroc! * 100).toFixed(2)}% |`), `${label} AUROC row`);
    assert.ok(md.includes(`| ${(fpr! * 100).toFixed(2)}% |\n`), `${label} FPR row`);
  }
});

/** A study's tables with the columns and comparison rows of the given titles removed. */
function withoutColumns(md: string, titles: readonly string[]): string[] {
  const out: string[] = [];
  let drop: number[] = [];
  for (const line of md.split('\n')) {
    if (!line.startsWith('|')) {
      drop = [];
      continue;
    }
    const cells = line.split(' | ');
    if (line.startsWith('| method |')) drop = cells.map((c, i) => (titles.includes(c.replace(/ \|$/, '')) ? i : -1)).filter((i) => i >= 0);
    if (titles.some((t) => line.includes(`| ${t} |`)) && !line.startsWith('| method |')) continue; // a paired-comparison row
    const kept = cells.filter((_, i) => !drop.includes(i)).join(' | ');
    out.push(kept.endsWith(' |') ? kept : `${kept} |`);
  }
  return out;
}

test('study tables: the existing columns print as before; max-logit and energy columns come next to max-softmax', () => {
  const study = studyFromObject({ name: 'agg', datasets: ['fashion-mnist'], protocols: ['balanced', 'lt10'], methods: ['mixup', 'icm', 'remix'], seeds: [0, 1, 2], model: 'mlp', epochs: 1 });
  const metrics = new Map<string, CellMetrics>();
  let k = 0;
  for (const cell of study.cells) {
    k++;
    metrics.set(cell.id, cellMetrics(makeReport(k, cell.method, 1 + (k % 5) * 0.3), 'gaussian-noise'));
  }
  const provenance = { command: 'x', versions: {}, machine: { os: 'L', cpu: 'C', cores: 1, memoryGiB: 1 }, wallSeconds: 1, cellSeconds: 1, invocations: [] };
  const report = buildStudyReport(study, metrics, { provenance, failed: [], figures: [] });
  report.createdAt = 'T';
  const md = renderStudyMarkdown(report);
  const added = ['OOD AUROC (max logit)', 'OOD FPR95 (max logit)', 'OOD AUROC (energy)', 'OOD FPR95 (energy)'];
  assert.deepEqual(withoutColumns(md, added), withoutColumns(golden('study.md'), []));
  assert.ok(md.includes('| OOD AUROC | OOD FPR95 | OOD AUROC (max logit) | OOD FPR95 (max logit) | OOD AUROC (energy) | OOD FPR95 (energy) | corruption acc. |'));
  assert.match(md, /energy = logsumexp_c z_c \(T = 1\), the negative free energy −E\(x\)\. Every score counts higher as more in-distribution/);
  // the energy column of the first row is the mean over seeds of the cells' energy AUROC on the reported set
  const cells = study.cells.filter((c) => c.protocol === 'balanced' && c.method === 'mixup');
  const vals = cells.map((c) => metrics.get(c.id)!.energyAuroc!);
  assert.equal(report.tables[0].rows[0].metrics.energyAuroc!.mean, vals.reduce((a, b) => a + b, 0) / vals.length);
  const row = md.split('\n').find((l) => l.startsWith('| mixup | 3 |'))!;
  assert.ok(row.split(' | ')[11].startsWith(`**${(report.tables[0].rows[0].metrics.energyAuroc!.mean * 100).toFixed(2)} ± `) || row.split(' | ')[11].startsWith(`${(report.tables[0].rows[0].metrics.energyAuroc!.mean * 100).toFixed(2)} ± `), row);
  // and the paired comparison has a row per new column
  for (const t of added) assert.match(md, new RegExp(`\\| fashion-mnist: balanced \\| ${t.replace(/[()]/g, '\\$&')} \\| [+−]\\d`));
});
