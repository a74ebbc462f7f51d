import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { REPORT_FILES, RUN_FILES } from '../../run/files.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { parseJsonLines } from '../../util/jsonl.js';
import { formatFigure } from '../../util/progress-format.js';

/**
 * A run's training curves as a self-contained SVG: train loss, validation loss and accuracy,
 * and the learning rate against epoch, one panel each on a shared epoch axis, a point per log.jsonl line.
 */

/** The log.jsonl fields a curve reads (a train/trainer EpochLog has them; JSON writes NaN as null). */
export interface CurvePoint {
  epoch: number;
  trainLoss: number | null;
  /** Absent in runs logged before validation loss was (or with no validation split). */
  valLoss?: number | null;
  valAccuracy: number | null;
  lr: number | null;
}

/** The file name next to the reliability diagrams. */
export const TRAINING_CURVES_FILE = REPORT_FILES.trainingCurves;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const f = (x: number) => (Math.round(x * 100) / 100).toString();

interface Panel {
  key: 'loss' | 'val-loss' | 'val-accuracy' | 'lr';
  label: string;
  color: string;
  value: (p: CurvePoint) => number | null;
  /** A log axis when the values span more than a decade (a step-decayed lr). */
  log?: boolean;
  /** Shown when the series has no finite point. */
  empty: string;
}

const PANELS: Panel[] = [
  { key: 'loss', label: 'train loss', color: '#4c72b0', value: (p) => p.trainLoss, empty: 'no loss logged' },
  { key: 'val-loss', label: 'val loss', color: '#ff7f0e', value: (p) => p.valLoss ?? null, empty: 'no validation split' },
  { key: 'val-accuracy', label: 'val accuracy', color: '#2ca02c', value: (p) => p.valAccuracy, empty: 'no validation split' },
  { key: 'lr', label: 'learning rate', color: '#d62728', value: (p) => p.lr, log: true, empty: 'no lr logged' },
];

export function trainingCurvesSvg(points: readonly CurvePoint[], opts: { title?: string; width?: number } = {}): string {
  const pts = [...points].sort((a, b) => a.epoch - b.epoch);
  const plotW = opts.width ?? 420;
  const left = 64;
  const right = 16;
  const top = 40;
  const panelH = 110;
  const gap = 28;
  const bottom = 40;
  const w = left + plotW + right;
  const h = top + PANELS.length * panelH + (PANELS.length - 1) * gap + bottom;
  const e0 = pts.length ? pts[0].epoch : 0;
  const e1 = pts.length ? pts[pts.length - 1].epoch : 1;
  const x = (e: number) => left + 8 + (e1 > e0 ? (e - e0) / (e1 - e0) : 0.5) * (plotW - 16);
  const title = opts.title ?? 'Training curves';
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="11">`,
    `<title>${esc(title)}</title>`,
    `<rect x="0" y="0" width="${w}" height="${h}" fill="white"/>`,
    `<text x="${w / 2}" y="22" text-anchor="middle" font-size="13" font-weight="bold">${esc(title)}</text>`,
  ];
  PANELS.forEach((panel, i) => {
    const py = top + i * (panelH + gap);
    const series = pts.map((p) => ({ epoch: p.epoch, v: panel.value(p) })).filter((s): s is { epoch: number; v: number } => typeof s.v === 'number' && Number.isFinite(s.v));
    parts.push(`<g class="panel panel-${panel.key}">`);
    parts.push(`<rect x="${left}" y="${py}" width="${plotW}" height="${panelH}" fill="none" stroke="#333"/>`);
    parts.push(`<text transform="translate(14 ${f(py + panelH / 2)}) rotate(-90)" text-anchor="middle" fill="${panel.color}">${esc(panel.label)}</text>`);
    if (series.length === 0) {
      parts.push(`<text x="${f(left + plotW / 2)}" y="${f(py + panelH / 2)}" text-anchor="middle" fill="#777">${esc(panel.empty)}</text></g>`);
      return;
    }
    const lo = Math.min(...series.map((s) => s.v));
    const hi = Math.max(...series.map((s) => s.v));
    const log = panel.log === true && lo > 0 && hi / lo > 10;
    const t = (v: number) => (log ? Math.log10(v) : v);
    let tlo = t(lo);
    let thi = t(hi);
    if (thi - tlo < 1e-12) {
      // A flat series sits mid-panel.
      const pad = log ? 0.5 : Math.max(Math.abs(tlo) * 0.1, 1e-6);
      tlo -= pad;
      thi += pad;
    }
    // Inset so the extreme points sit inside the frame, not on it.
    const inset = 8;
    const y = (v: number) => py + panelH - inset - ((t(v) - tlo) / (thi - tlo)) * (panelH - 2 * inset);
    // Ticks at the extremes (and the middle), labelled readably (4.00e-4, not 0.000).
    const ticks = lo === hi ? [lo] : log ? [lo, hi] : [lo, (lo + hi) / 2, hi];
    for (const v of ticks) {
      parts.push(
        `<line x1="${left}" y1="${f(y(v))}" x2="${left + plotW}" y2="${f(y(v))}" stroke="#eee"/>`,
        `<text x="${left - 6}" y="${f(y(v) + 4)}" text-anchor="end">${esc(formatFigure(v))}</text>`,
      );
    }
    parts.push(
      `<polyline class="series series-${panel.key}" fill="none" stroke="${panel.color}" stroke-width="1.5" points="${series.map((s) => `${f(x(s.epoch))},${f(y(s.v))}`).join(' ')}"/>`,
    );
    for (const s of series) {
      parts.push(`<circle class="point point-${panel.key}" cx="${f(x(s.epoch))}" cy="${f(y(s.v))}" r="2.5" fill="${panel.color}"><title>epoch ${s.epoch}: ${esc(panel.label)} ${esc(formatFigure(s.v))}</title></circle>`);
    }
    if (log) parts.push(`<text x="${left + plotW - 4}" y="${py + 12}" text-anchor="end" fill="#777">log scale</text>`);
    parts.push('</g>');
  });
  // Epoch ticks on the shared axis: every epoch when few, else about ten.
  const axisY = top + PANELS.length * panelH + (PANELS.length - 1) * gap;
  const span = Math.max(1, e1 - e0);
  const stepE = Math.max(1, Math.ceil(span / 10));
  for (let e = e0; e <= e1; e += stepE) parts.push(`<text x="${f(x(e))}" y="${axisY + 16}" text-anchor="middle">${e}</text>`);
  parts.push(`<text x="${f(left + plotW / 2)}" y="${h - 8}" text-anchor="middle">epoch</text>`, '</svg>');
  return parts.join('\n') + '\n';
}

/** The epochs in `runDir`'s log.jsonl ([] when there is none). */
export async function readCurvePoints(runDir: string): Promise<CurvePoint[]> {
  let text: string;
  try {
    text = await fs.readFile(path.join(runDir, RUN_FILES.log), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return parseJsonLines<CurvePoint>(text).filter((p) => p && typeof p.epoch === 'number');
}

/** Write `runDir`'s training curves into `outDir` (default: the run folder) atomically; undefined when it has no log. */
export async function writeTrainingCurves(runDir: string, opts: { outDir?: string; title?: string } = {}): Promise<string | undefined> {
  const points = await readCurvePoints(runDir);
  if (!points.length) return undefined;
  const file = path.join(opts.outDir ?? runDir, TRAINING_CURVES_FILE);
  await writeFileAtomic(file, trainingCurvesSvg(points, { title: opts.title }));
  return file;
}
