import type { OnProgress } from './progress-event.js';
import { formatDuration, formatFigure } from './progress-format.js';

export { formatDuration } from './progress-format.js';

/**
 * Render progress events on stderr, as the CLI shows them: a bar per task (`done`/`total`),
 * its summary when `finished`, and message lines (with `prefix`, e.g. 'icmix eval: ').
 */
export function renderProgress(opts: { prefix?: string } = {}): OnProgress {
  const bars = new Map<string, Progress>();
  return (e) => {
    if (e.total !== undefined && e.done !== undefined && !e.finished) {
      let bar = bars.get(e.task);
      if (!bar) bars.set(e.task, (bar = new Progress(e.task, e.total)));
      bar.update(e.done, e.fields, e.eta);
      return;
    }
    const bar = bars.get(e.task);
    if (e.finished && bar) {
      bar.done(e.message ?? e.task);
      bars.delete(e.task);
    } else if (e.message) {
      // On a terminal a bar may be mid-line: clear it; its next update redraws it.
      const clear = bars.size && process.stderr.isTTY ? '\r\x1b[K' : '';
      process.stderr.write(`${clear}${opts.prefix ?? ''}${e.message}\n`);
    }
  };
}

/**
 * A progress line on stderr: redrawn in place on a terminal, printed every ~10% otherwise
 * (so logs from CI or `nohup` stay short).
 */
export class Progress {
  private readonly tty = Boolean(process.stderr.isTTY);
  private lastDraw = 0;
  private lastBucket = -1;
  private readonly start = Date.now();

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly quiet = false,
  ) {}

  /** `eta`: seconds left of the whole job when the caller knows better than this bar's pace. */
  update(done: number, fields: Record<string, string | number> = {}, eta?: number): void {
    if (this.quiet) return;
    const now = Date.now();
    const bucket = Math.floor((10 * done) / Math.max(1, this.total));
    if (this.tty ? now - this.lastDraw < 150 && done < this.total : bucket === this.lastBucket && done < this.total) return;
    this.lastDraw = now;
    this.lastBucket = bucket;
    const frac = Math.min(1, done / Math.max(1, this.total));
    const width = 20;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
    const elapsed = (now - this.start) / 1000;
    const left = eta ?? (frac > 0 ? (elapsed / frac) * (1 - frac) : NaN);
    const extra = Object.entries(fields)
      .map(([k, v]) => `${k} ${typeof v === 'number' ? formatFigure(v) : v}`)
      .join('  ');
    const line = `${this.label} [${bar}] ${done}/${this.total}  ${extra}  ETA ${formatDuration(left)}`;
    if (this.tty) process.stderr.write(`\r\x1b[K${line}`);
    else process.stderr.write(`${line}\n`);
  }

  /** Finish the line (on a terminal) with a closing summary. */
  done(summary: string): void {
    if (this.quiet) return;
    if (this.tty) process.stderr.write(`\r\x1b[K${summary}\n`);
    else process.stderr.write(`${summary}\n`);
  }
}
