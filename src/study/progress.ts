import { formatDuration } from '../util/progress.js';
import { STAGES, type Stage } from './types.js';

/** Rough share of a cell's time per stage, for the ETA (training dominates). */
const STAGE_WEIGHT: Record<Stage, number> = { train: 0.75, export: 0.03, calibrate: 0.05, evaluate: 0.17 };

/**
 * How far a cell is, in [0, 1], from its current stage and the stage's detail: 'epoch 3/10' (an
 * epoch line: 3 epochs done) or 'epoch 3/10 step 40/100 …' (a status: 2.4 epochs done).
 */
export function cellFraction(stage: Stage, detail: string): number {
  return stageStart(stage) + (trainShare(stage, detail) ?? 0);
}

/** The share of a cell done before `stage` starts. */
function stageStart(stage: Stage): number {
  let f = 0;
  for (const s of STAGES) {
    if (s === stage) break;
    f += STAGE_WEIGHT[s];
  }
  return f;
}

/** The training share done, from an epoch line or step status; undefined when `detail` names no epoch. */
function trainShare(stage: Stage, detail: string): number | undefined {
  const m = /^epoch (\d+)\/(\d+)(?: step (\d+)\/(\d+))?/.exec(detail);
  if (stage !== 'train' || !m) return undefined;
  const epochs = m[3] === undefined ? Number(m[1]) : Number(m[1]) - 1 + Number(m[3]) / Math.max(1, Number(m[4]));
  return STAGE_WEIGHT.train * Math.min(1, epochs / Math.max(1, Number(m[2])));
}

/**
 * Whether `detail` says where in its stage the cell is. A training stage says so only with its
 * first epoch figure: a cell resumed from a checkpoint starts mid-way, and counting the epochs it
 * had already trained as progress made now would make the ETA far too short.
 */
function knowsPosition(stage: Stage, detail: string): boolean {
  return stage !== 'train' || trainShare(stage, detail) !== undefined;
}

/** A text bar of `width` characters for a fraction in [0, 1]. */
export function textBar(fraction: number, width = 20): string {
  const f = Math.min(1, Math.max(0, fraction));
  return '#'.repeat(Math.round(f * width)).padEnd(width, '.');
}

/**
 * Overall study progress on stderr: one bar over the whole study (cells done plus the running
 * cells' fractions), cells done / total, ETA and each running cell's stage. Each running cell's
 * epoch lines are streamed with its name. On a terminal the bar is one redrawn line under them;
 * otherwise a line is printed when a stage starts, an epoch ends or a cell ends (logs stay readable).
 */
export class StudyProgress {
  private readonly started = Date.now();
  private readonly running = new Map<string, { stage: Stage; detail: string; startFraction?: number }>();
  private completedNow = 0;
  private lastDraw = 0;

  constructor(
    private readonly total: number,
    private done: number,
    private readonly quiet = false,
    private readonly write: (s: string) => void = (s) => process.stderr.write(s),
    /** Redraw one status line (a terminal) or print lines (a log); default: whether stderr is a terminal. */
    private readonly tty = Boolean(process.stderr.isTTY),
  ) {}

  /** Seconds left, from progress made in this invocation (NaN until there is some). */
  eta(now = Date.now()): number {
    let partial = 0;
    // A cell whose start is not known yet has made no progress that this invocation can time.
    for (const r of this.running.values()) if (r.startFraction !== undefined) partial += cellFraction(r.stage, r.detail) - r.startFraction;
    const madeNow = this.completedNow + partial;
    let runningLeft = 0;
    for (const r of this.running.values()) runningLeft += 1 - cellFraction(r.stage, r.detail);
    const notStarted = this.total - this.done - this.running.size;
    const left = notStarted + runningLeft;
    const elapsed = (now - this.started) / 1000;
    return madeNow > 0.01 ? (elapsed / madeNow) * left : NaN;
  }

  /** Share of the whole study done, in [0, 1]: finished cells plus the running cells' fractions. */
  fraction(): number {
    let f = this.done;
    for (const r of this.running.values()) f += cellFraction(r.stage, r.detail);
    return this.total > 0 ? Math.min(1, f / this.total) : 1;
  }

  /** A cell's stage and its progress; `line`: `detail` is a line to print (an epoch's summary), with the cell's name. */
  stage(id: string, stage: Stage, detail: string, line = false): void {
    const prev = this.running.get(id);
    const start = prev?.startFraction ?? (knowsPosition(stage, detail) ? cellFraction(stage, detail) : undefined);
    const entry = { stage, detail, ...(start === undefined ? {} : { startFraction: start }) };
    this.running.set(id, entry);
    if (line) return this.draw(`${id}: ${detail}`, true);
    const changed = !prev || prev.stage !== stage;
    this.draw(changed ? `${id}: ${stage}${detail ? ` ${detail}` : ''}` : undefined);
  }

  finished(id: string, outcome: 'done' | 'failed' | 'skipped', note = ''): void {
    const r = this.running.get(id);
    this.running.delete(id);
    this.done++;
    if (outcome !== 'skipped') this.completedNow += 1 - (r?.startFraction ?? 0);
    this.draw(`${id}: ${outcome}${note ? ` (${note})` : ''}`, true);
  }

  line(message: string): void {
    if (this.quiet) return;
    if (this.tty) this.write(`\r\x1b[K${message}\n`);
    else this.write(`${message}\n`);
    this.lastDraw = 0;
    this.draw();
  }

  private status(): string {
    // Compact, so several cells fit one terminal line: a training detail names its epoch already.
    const cells = [...this.running.entries()].map(([id, r]) => {
      const detail = r.detail.replace(/\s+/g, ' ');
      return `${id} ${/^epoch \d/.test(detail) ? detail : `${r.stage}${detail ? ` ${detail}` : ''}`}`;
    });
    return `study [${textBar(this.fraction())}] ${this.done}/${this.total} cells ${this.percent()} ETA ${formatDuration(this.eta())}${cells.length ? ' | ' + cells.join(' | ') : ''}`;
  }

  private percent(): string {
    return `${Math.floor(100 * this.fraction())}%`;
  }

  private draw(event?: string, force = false): void {
    if (this.quiet) return;
    const now = Date.now();
    if (this.tty) {
      if (event && force) this.write(`\r\x1b[K${event}\n`);
      if (!force && now - this.lastDraw < 200) return;
      this.lastDraw = now;
      const cols = process.stderr.columns || 120;
      const s = this.status();
      this.write(`\r\x1b[K${s.length > cols - 1 ? s.slice(0, cols - 2) + '…' : s}`);
    } else if (event) {
      this.write(`[${this.done}/${this.total} cells, ETA ${formatDuration(this.eta())}, ${this.percent()}] ${event}\n`);
    }
  }

  /** End the redrawn line. */
  close(): void {
    if (!this.quiet && this.tty) this.write('\r\x1b[K');
  }
}
