import { existsSync, readFileSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { runPaths } from '../run/index.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { progressText } from '../util/progress-event.js';
import { canonicalJson } from '../util/canonical-json.js';
import { IcmixError } from '../util/errors.js';
import { TrainingDiverged } from '../train/trainer.js';
import { DEFAULT_STAGES, type StageImpls } from './stages/index.js';
import { chosenLr, staleTuneChoice, writeTuneRecord } from './tune.js';
import { CELL_FILES, STAGES, type Cell, type Stage } from './types.js';

/** stages.json: the stages a cell has finished, with wall seconds each. */
export type StagesDone = Partial<Record<Stage, { seconds: number; finishedAt: string }>>;

/**
 * A cell is finished when its report exists (evaluate writes it atomically, last), a tune cell
 * when its tune.json does.
 */
export function isCellFinished(runDir: string): boolean {
  return existsSync(runPaths(runDir).report) || existsSync(path.join(runDir, CELL_FILES.tune));
}

/** The stages a cell runs: a tune cell only trains (then records its validation accuracy). */
export function cellStages(cell: Cell): readonly Stage[] {
  return cell.tune ? ['train'] : STAGES;
}

export async function readStagesDone(runDir: string): Promise<StagesDone> {
  try {
    return JSON.parse(await fs.readFile(path.join(runDir, CELL_FILES.stages), 'utf8')) as StagesDone;
  } catch {
    return {};
  }
}

/**
 * What a cell folder must have been started with to be resumed: the same training and evaluation,
 * and for tuned cells the same tune group, but not its list of rates (absent keys drop out, so
 * untuned cells compare as before). A sweep extended past an edge choice keeps the main cells
 * whose group still chooses the rate they trained at; staleTuneChoice retires those whose choice
 * moved.
 */
function cellIdentity(cell: Cell): string {
  const tuned = cell.tuned && { ...cell.tuned, lr: undefined, cells: undefined };
  return canonicalJson({ id: cell.id, train: cell.train, eval: cell.eval, tune: cell.tune, tuned });
}

/** Whether the folder was started for a different version of this cell (the study file changed). */
export function cellChanged(cell: Cell, runDir: string): boolean {
  const file = path.join(runDir, CELL_FILES.cell);
  if (!existsSync(file)) return false;
  if (cellIdentity(JSON.parse(readFileSync(file, 'utf8')) as Cell) !== cellIdentity(cell)) return true;
  // Trained at a choice its group no longer makes (its tune cells were rerun): stale, not used.
  return staleTuneChoice(cell, runDir) !== undefined;
}

export function changedCellMessage(cell: Cell, runDir: string): string {
  const stale = staleTuneChoice(cell, runDir);
  if (stale) {
    return `${runDir} trained at lr ${stale.trainedAt}, but its tune group ${cell.tuned!.group} now chooses ${stale.now} (its tune cells changed since); delete that folder to retrain the cell at ${stale.now}`;
  }
  return `${runDir} was made with other settings for cell ${cell.id} (the study file changed); delete that folder to redo the cell, or use a new --out folder`;
}

/**
 * Refuse to resume a cell folder started with other settings (its checkpoint and report belong to
 * that other configuration); record the settings in a fresh folder.
 */
async function claimCellFolder(cell: Cell, runDir: string): Promise<void> {
  const file = path.join(runDir, CELL_FILES.cell);
  if (existsSync(file)) {
    if (cellChanged(cell, runDir)) throw new IcmixError(changedCellMessage(cell, runDir));
    return;
  }
  await fs.mkdir(runDir, { recursive: true });
  await writeJsonAtomic(file, cell);
}

export interface RunCellOptions {
  /** The cores this cell may use (ORT threads, default training workers); see StageContext. */
  threads?: number;
  /** Called when a stage starts and with progress inside it; `line`: a finished step's summary (an epoch line) to print, not just a status. */
  onStage?: (stage: Stage, detail: string, line?: boolean) => void;
  /** Stage implementations (tests swap some). */
  stages?: Partial<StageImpls>;
}

export interface CellOutcome {
  /** Stages run now (empty for a cell that was already finished). */
  ran: Stage[];
  seconds: number;
}

/**
 * Run the unfinished stages of one cell in order: train (resuming from its checkpoint when one
 * exists), export, calibrate, evaluate. Each finished stage is recorded atomically in stages.json,
 * so a rerun after a crash starts at the first unfinished stage. A failure writes error.txt and
 * rethrows.
 */
export async function runCell(cell: Cell, runDir: string, opts: RunCellOptions = {}): Promise<CellOutcome> {
  const started = Date.now();
  if (cellChanged(cell, runDir)) throw new IcmixError(changedCellMessage(cell, runDir));
  if (isCellFinished(runDir)) return { ran: [], seconds: 0 };
  await claimCellFolder(cell, runDir);
  await fs.rm(path.join(runDir, CELL_FILES.error), { force: true });
  const impls: StageImpls = { ...DEFAULT_STAGES, ...opts.stages };
  const done = await readStagesDone(runDir);
  const ran: Stage[] = [];
  let tuneRecorded = false;
  // A tuned cell trains at its group's choice: the tune cells must have finished (else an error
  // naming them). The choice is recorded next to the run.
  let run = cell;
  if (cell.tuned && !done.train) {
    const choice = await chosenLr({ ...cell, tuned: cell.tuned }, path.dirname(runDir));
    await writeJsonAtomic(path.join(runDir, CELL_FILES.tuned), choice);
    run = { ...cell, train: { ...cell.train, lr: choice.lr } };
  }
  for (const stage of cellStages(cell)) {
    if (done[stage]) continue;
    const t0 = Date.now();
    opts.onStage?.(stage, '');
    try {
      await impls[stage]({ cell: run, runDir, threads: opts.threads, onProgress: (e) => opts.onStage?.(stage, progressText(e), e.finished === true && Boolean(e.message)) });
    } catch (err) {
      // A swept lr that diverges is a result of the sweep (it is never chosen), not a failure:
      // rerunning would diverge again, and its group's main cells would wait for it forever.
      if (cell.tune && stage === 'train' && err instanceof TrainingDiverged) {
        await writeTuneRecord(cell, runDir, err.message);
        tuneRecorded = true;
        opts.onStage?.(stage, `diverged: ${err.message}`, true);
        done[stage] = { seconds: (Date.now() - t0) / 1000, finishedAt: new Date().toISOString() };
        await writeJsonAtomic(path.join(runDir, CELL_FILES.stages), done);
        ran.push(stage);
        continue;
      }
      const msg = err instanceof Error ? err.message : String(err);
      const detail = err instanceof IcmixError || !(err instanceof Error) ? '' : `\n\n${err.stack ?? ''}`;
      await writeFileAtomic(path.join(runDir, CELL_FILES.error), `stage ${stage} failed: ${msg}${detail}\n`);
      throw new IcmixError(`cell ${cell.id}, stage ${stage}: ${msg}`);
    }
    done[stage] = { seconds: (Date.now() - t0) / 1000, finishedAt: new Date().toISOString() };
    await writeJsonAtomic(path.join(runDir, CELL_FILES.stages), done);
    ran.push(stage);
  }
  // Last: tune.json marks the tune cell finished.
  if (cell.tune && !tuneRecorded) await writeTuneRecord(cell, runDir);
  return { ran, seconds: (Date.now() - started) / 1000 };
}
