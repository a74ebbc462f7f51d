/**
 * The one progress convention. Library functions (train, evaluate, calibrate, a study's stages)
 * take `onProgress?: OnProgress` and report events; what to print is the caller's choice, and
 * the CLI renders them with `renderProgress` (util/progress.ts).
 */
export interface ProgressEvent {
  /** What is running: 'epoch 3/10', 'evaluate', a study stage. */
  task: string;
  /** A line for people: a phase starting, a note, or (with `finished`) the task's summary. */
  message?: string;
  /** Work done of `total` within the task (steps, images): for a bar and an ETA. */
  done?: number;
  total?: number;
  /** Running figures shown with the bar (loss, img/s, lr). */
  fields?: Record<string, number | string>;
  /** Seconds left of the whole job, when the producer knows better than the bar's pace (a training run's remaining epochs). */
  eta?: number;
  /** The task ended; `message` summarises it. */
  finished?: boolean;
}

export type OnProgress = (event: ProgressEvent) => void;

/** A message event's text, or the task with its counts: what a one-line status shows. */
export function progressText(e: ProgressEvent): string {
  if (e.message) return e.message;
  return e.done !== undefined && e.total !== undefined ? `${e.task} ${e.done}/${e.total}` : e.task;
}
