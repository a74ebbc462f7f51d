import type { OnProgress } from '../../util/progress-event.js';
import type { Cell, Stage } from '../types.js';

/** What a stage gets: the cell, its run folder and how to report progress. */
export interface StageContext {
  cell: Cell;
  /** The cell's run folder (absolute). */
  runDir: string;
  /**
   * The cores this cell may use when cells run in parallel (cores / jobs, at least 1): ONNX Runtime's
   * intra-op threads and the default training workers. undefined = their own defaults (every core).
   */
  threads?: number;
  /** Progress within the stage; the study shows each event's text ('epoch 3/10'). */
  onProgress: OnProgress;
}

/** One step of a cell; must be safe to rerun after a crash (writes results atomically). */
export type StageFn = (ctx: StageContext) => Promise<void>;

export type StageImpls = Record<Stage, StageFn>;
