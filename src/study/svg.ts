import { reliabilitySvg } from '../infer/report/svg.js';
import type { ReliabilityBin } from '../infer/report/types.js';
import { eceFromBins } from '../infer/metrics/index.js';

/**
 * Reliability diagrams side by side in one SVG (e.g. Mixup | ICM), each drawn by the report
 * module's reliabilitySvg and placed as a nested <svg> at its x offset.
 */
export function sideBySideReliabilitySvg(panels: ReadonlyArray<{ title: string; bins: readonly ReliabilityBin[] }>, heading?: string): string {
  const gap = 12;
  const top = heading ? 26 : 0;
  let x = 0;
  let height = 0;
  const parts: string[] = [];
  for (const p of panels) {
    const svg = reliabilitySvg(p.bins, { title: p.title, ece: eceFromBins(p.bins) });
    const w = Number(/width="([\d.]+)"/.exec(svg)?.[1] ?? 384);
    const h = Number(/height="([\d.]+)"/.exec(svg)?.[1] ?? 404);
    parts.push(svg.replace('<svg ', `<svg x="${x}" y="${top}" `).trimEnd());
    x += w + gap;
    height = Math.max(height, h);
  }
  const width = Math.max(0, x - gap);
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + top}" viewBox="0 0 ${width} ${height + top}" font-family="sans-serif">`,
    `<rect x="0" y="0" width="${width}" height="${height + top}" fill="white"/>`,
    ...(heading ? [`<text x="${width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${esc(heading)}</text>`] : []),
    ...parts,
    '</svg>',
  ].join('\n') + '\n';
}
