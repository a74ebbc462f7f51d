/**
 * Per-class accuracy and the confusion matrix of a report's primary runtime, as Markdown tables
 * and as an SVG heat map (rows: true class, columns: predicted; each row coloured by its share,
 * so a small class is as visible as a large one).
 */
import { perClassAccuracy } from '../metrics/confusion.js';
import { mdTable } from '../../util/format.js';

/** Matrices wider than this are left to the SVG and report.json: a Markdown table would not be read. */
export const MAX_MARKDOWN_CLASSES = 20;

const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(2)}%`);
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const cell = (s: string) => s.replace(/\|/g, '\\|');

/** The per-class table (class, images, accuracy, most frequent wrong prediction) and, for few classes, the matrix. */
export function confusionMarkdown(confusion: readonly (readonly number[])[], classNames: readonly string[], runtime: string): string {
  const names = confusion.map((_, i) => classNames[i] ?? String(i));
  const per = perClassAccuracy(confusion);
  const rows = per.map((p, t) => {
    let worst = -1;
    for (let q = 0; q < confusion.length; q++) if (q !== t && confusion[t][q] > 0 && (worst < 0 || confusion[t][q] > confusion[t][worst])) worst = q;
    return [cell(names[t]), String(p.n), pct(p.accuracy), worst < 0 ? '–' : `${cell(names[worst])} (${confusion[t][worst]})`];
  });
  const out = [`## Per class (${runtime})\n`, mdTable(['class', 'images', 'accuracy', 'most often predicted instead'], rows, ['l', 'r', 'r', 'l'])];
  if (confusion.length <= MAX_MARKDOWN_CLASSES) {
    out.push(`## Confusion matrix (${runtime}; rows: true class, columns: predicted)\n`);
    out.push(mdTable(['true \\ predicted', ...names.map(cell)], confusion.map((row, t) => [cell(names[t]), ...row.map(String)]), ['l', ...names.map(() => 'r' as const)]));
  } else {
    out.push(`The ${confusion.length}x${confusion.length} confusion matrix is in report.json and confusion.svg.\n`);
  }
  return out.join('\n');
}

/** The confusion matrix as a heat map: each cell shaded by its share of its row, counts written in. */
export function confusionSvg(confusion: readonly (readonly number[])[], classNames: readonly string[], opts: { title?: string } = {}): string {
  const C = confusion.length;
  const cellPx = Math.max(8, Math.min(36, Math.floor(480 / Math.max(1, C))));
  const names = confusion.map((_, i) => classNames[i] ?? String(i));
  const label = Math.min(120, 7 * Math.max(...names.map((n) => n.length), 1));
  const left = label + 16;
  const top = 40 + label;
  const w = left + C * cellPx + 16;
  const h = top + C * cellPx + 40;
  const title = opts.title ?? 'Confusion matrix';
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="11">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="8" y="18" font-size="13" font-weight="bold">${esc(title)}</text>`,
    `<text x="${left}" y="${top - label - 6}" fill="#444">predicted →</text>`,
    `<text x="8" y="${h - 14}" fill="#444">rows: true class; shade: share of the row</text>`,
  ];
  confusion.forEach((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    const y = top + t * cellPx;
    parts.push(`<text x="${left - 4}" y="${y + cellPx / 2 + 4}" text-anchor="end">${esc(names[t])}</text>`);
    row.forEach((v, p) => {
      const share = total > 0 ? v / total : 0;
      // Blue for the diagonal (right), red off it (wrong); white at 0.
      const [r, g, b] = t === p ? [255 - 200 * share, 255 - 120 * share, 255] : [255, 255 - 200 * share, 255 - 200 * share];
      const x = left + p * cellPx;
      parts.push(`<rect x="${x}" y="${y}" width="${cellPx}" height="${cellPx}" fill="rgb(${Math.round(r)},${Math.round(g)},${Math.round(b)})" stroke="#ddd"><title>${esc(`${names[t]} → ${names[p]}: ${v} of ${total}`)}</title></rect>`);
      if (cellPx >= 20 && v > 0) parts.push(`<text x="${x + cellPx / 2}" y="${y + cellPx / 2 + 4}" text-anchor="middle" font-size="${cellPx >= 30 ? 10 : 8}">${v}</text>`);
    });
  });
  names.forEach((n, p) => {
    const x = left + p * cellPx + cellPx / 2 + 4;
    parts.push(`<text x="${x}" y="${top - 4}" transform="rotate(-90 ${x} ${top - 4})">${esc(n)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
