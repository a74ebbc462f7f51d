import * as path from 'node:path';
import { writeFileAtomic } from '../../util/atomic.js';
import { REPORT_FILES } from '../../run/files.js';
import type { EvalReport } from './types.js';
import { validateReport } from './schema.js';
import { renderMarkdown } from './markdown.js';
import { reliabilitySvg } from './svg.js';
import { confusionSvg } from './confusion.js';
import { readCurvePoints, trainingCurvesSvg, TRAINING_CURVES_FILE } from './curves.js';

// The report's file names belong to the run folder (src/run/files.ts), which clears them on --overwrite.

/**
 * Validate `report` against the schema, then write report.md, the reliability diagrams and, last,
 * report.json into `dir`, each atomically. report.json comes last because its presence marks a
 * finished evaluation (a study cell counts as done once it exists). Nothing is written if the
 * report is invalid. Returns the paths written.
 */
export async function writeReport(dir: string, report: EvalReport): Promise<string[]> {
  // JSON round trip first: validate exactly what will be on disk (drops undefined fields).
  const plain = JSON.parse(JSON.stringify(report)) as unknown;
  validateReport(plain, 'the evaluation report');
  const files: Array<[string, string]> = [];
  files.push([REPORT_FILES.markdown, renderMarkdown(report)]);
  const seen = new Map<string, number>();
  for (const rt of report.runtimes) {
    if (!rt.suites.id) continue;
    const k = (seen.get(rt.runtime) ?? 0) + 1;
    seen.set(rt.runtime, k);
    const name = `${REPORT_FILES.reliabilityPrefix}${safeName(rt.runtime)}${k > 1 ? `-${k}` : ''}.svg`;
    files.push([name, reliabilitySvg(rt.suites.id.reliability, { title: `${report.model.method ?? 'model'} on ${report.dataset.name} (${rt.runtime})`, ece: rt.suites.id.ece })]);
  }
  const primary = report.runtimes.find((r) => r.suites.id);
  if (primary?.suites.id?.confusion) {
    files.push([REPORT_FILES.confusion, confusionSvg(primary.suites.id.confusion, report.model.classNames, { title: `${report.model.method ?? 'model'} on ${report.dataset.name} (${primary.runtime}): confusion matrix` })]);
  }
  const cal = report.calibration;
  if (cal?.reliabilityAfter) {
    files.push([
      `${REPORT_FILES.reliabilityPrefix}calibrated.svg`,
      reliabilitySvg(cal.reliabilityAfter, { title: `${report.model.method ?? 'model'} after temperature scaling (T = ${cal.temperature.toFixed(3)})`, ece: cal.after.ece }),
    ]);
  }
  const curves = report.model.runDir ? await readCurvePoints(report.model.runDir) : [];
  if (curves.length) {
    files.push([REPORT_FILES.trainingCurves, trainingCurvesSvg(curves, { title: `${report.model.method ?? 'model'} on ${report.dataset.name}: training curves` })]);
  }
  files.push([REPORT_FILES.json, JSON.stringify(plain, null, 2) + '\n']);
  const written: string[] = [];
  for (const [name, text] of files) {
    const p = path.join(dir, name);
    await writeFileAtomic(p, text);
    written.push(p);
  }
  return written;
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_');
}
