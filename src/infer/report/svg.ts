import type { ReliabilityBin } from './types.js';

/**
 * A reliability diagram as a self-contained SVG string: one bar per equal-width bin at the bin's
 * accuracy, the diagonal of perfect calibration, and the gap between each bar and the bin's mean
 * confidence shaded (red when over-confident, green when under-confident). Empty bins draw nothing.
 */

export interface ReliabilitySvgOptions {
  title?: string;
  /** ECE shown in the title (computed by the caller, usually ClassificationMetrics.ece). */
  ece?: number;
  /** Pixel size of the square plot area (default 320). */
  size?: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const f = (x: number) => (Math.round(x * 100) / 100).toString();

export function reliabilitySvg(bins: readonly ReliabilityBin[], opts: ReliabilitySvgOptions = {}): string {
  const size = opts.size ?? 320;
  const left = 48;
  const right = 16;
  const w = left + size + right;
  const title = `${opts.title ?? 'Reliability diagram'}${opts.ece !== undefined ? ` (ECE ${(opts.ece * 100).toFixed(2)}%)` : ''}`;
  // A long title wraps (about 7.5 px per character at 13 px bold) instead of running off the picture.
  const titleLines = wrapWords(title, Math.max(12, Math.floor((w - 12) / 7.5)));
  const legendY = 18 + 16 * titleLines.length;
  const top = legendY + 10;
  // Under the axis labels: the count histogram, one bar per non-empty bin.
  const histTop = top + size + 26;
  const histH = 48;
  const bottom = 26 + histH + 28;
  const h = top + size + bottom;
  const x = (v: number) => left + v * size;
  const y = (v: number) => top + (1 - v) * size;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="11">`,
    `<title>${esc(title)}</title>`,
    `<rect x="0" y="0" width="${w}" height="${h}" fill="white"/>`,
    `<text class="heading" x="${w / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">` +
      titleLines.map((line, i) => `<tspan x="${w / 2}" dy="${i === 0 ? 0 : 16}">${esc(line)}</tspan>`).join('') +
      `</text>`,
  );
  // grid and ticks
  for (let t = 0; t <= 10; t += 2) {
    const v = t / 10;
    parts.push(
      `<line x1="${f(x(0))}" y1="${f(y(v))}" x2="${f(x(1))}" y2="${f(y(v))}" stroke="#eee"/>`,
      `<text x="${f(x(0) - 6)}" y="${f(y(v) + 4)}" text-anchor="end">${v.toFixed(1)}</text>`,
      `<text x="${f(x(v))}" y="${f(y(0) + 16)}" text-anchor="middle">${v.toFixed(1)}</text>`,
    );
  }
  for (const b of bins) {
    if (b.count === 0) continue;
    const bx = x(b.lower);
    const bw = Math.max(0, x(b.upper) - x(b.lower));
    parts.push(
      `<rect class="bar" x="${f(bx)}" y="${f(y(b.accuracy))}" width="${f(bw)}" height="${f(y(0) - y(b.accuracy))}" fill="#4c72b0" stroke="#2a4a80">` +
        `<title>[${b.lower.toFixed(3)}, ${b.upper.toFixed(3)}]: n=${b.count}, accuracy ${b.accuracy.toFixed(3)}, confidence ${b.confidence.toFixed(3)}</title></rect>`,
    );
    const hi = Math.max(b.accuracy, b.confidence);
    const lo = Math.min(b.accuracy, b.confidence);
    if (hi > lo) {
      const over = b.confidence > b.accuracy;
      parts.push(
        `<rect class="gap" x="${f(bx)}" y="${f(y(hi))}" width="${f(bw)}" height="${f(y(lo) - y(hi))}" fill="${over ? '#d62728' : '#2ca02c'}" fill-opacity="${over ? 0.3 : 0.55}" stroke="${over ? '#d62728' : '#2ca02c'}" stroke-dasharray="3,2"/>`,
      );
    }
  }
  const maxCount = Math.max(0, ...bins.map((b) => b.count));
  parts.push(`<rect x="${f(x(0))}" y="${f(histTop)}" width="${size}" height="${histH}" fill="none" stroke="#999"/>`);
  if (maxCount > 0) {
    parts.push(
      // Inside the box: the left margin holds the rotated axis label.
      `<text x="${f(x(0) + 4)}" y="${f(histTop + 11)}" font-size="10" fill="#555">max ${maxCount}</text>`,
    );
    for (const b of bins) {
      if (b.count === 0) continue;
      const bh = (b.count / maxCount) * histH;
      parts.push(
        `<rect class="count" x="${f(x(b.lower))}" y="${f(histTop + histH - bh)}" width="${f(Math.max(0, x(b.upper) - x(b.lower)))}" height="${f(bh)}" fill="#8c8c8c" stroke="#555">` +
          `<title>[${b.lower.toFixed(3)}, ${b.upper.toFixed(3)}]: ${b.count} predictions</title></rect>`,
      );
    }
  }
  parts.push(`<text transform="translate(14 ${f(histTop + histH / 2)}) rotate(-90)" text-anchor="middle">count</text>`);
  parts.push(
    `<line class="diagonal" x1="${f(x(0))}" y1="${f(y(0))}" x2="${f(x(1))}" y2="${f(y(1))}" stroke="#555" stroke-dasharray="5,4"/>`,
    `<rect x="${f(x(0))}" y="${f(y(1))}" width="${size}" height="${size}" fill="none" stroke="#333"/>`,
    `<text x="${w / 2}" y="${legendY}" text-anchor="middle" font-size="10" fill="#333">bars: accuracy · <tspan fill="#d62728">over-confident gap</tspan> · <tspan fill="#2ca02c">under-confident gap</tspan></text>`,
    `<text x="${f(x(0.5))}" y="${h - 8}" text-anchor="middle">confidence</text>`,
    `<text transform="translate(14 ${f(y(0.5))}) rotate(-90)" text-anchor="middle">accuracy</text>`,
    `</svg>`,
  );
  return parts.join('\n') + '\n';
}

/** Words into lines of at most `max` characters (a longer word gets a line of its own). */
export function wrapWords(text: string, max: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > max) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.length ? lines : [''];
}
