import { hasCheckpoint } from '../../run/index.js';
import { train } from '../../train/trainer.js';
import { formatFigure } from '../../util/progress-format.js';
import type { OnProgress } from '../../util/progress-event.js';
import type { StageFn } from './types.js';

/**
 * Train the cell's model in its run folder. A run interrupted mid-training has a checkpoint
 * (state.json is written last, atomically), and `resume` continues it with the results an
 * uninterrupted run would have had. Without a checkpoint the stage starts over: whatever run
 * files an earlier attempt left in the cell folder are its own, so they are overwritten. A tune
 * cell never evaluates the test split: its lr is chosen on validation accuracy alone.
 */
export const trainStage: StageFn = async ({ cell, runDir, threads, onProgress }) => {
  const resume = hasCheckpoint(runDir);
  const epochs = cell.train.epochs;
  onProgress({ task: 'train', message: resume ? 'resuming' : `epoch 0/${epochs}` });
  // Cells running side by side share the cores: the runner's per-cell share caps the default
  // worker count (one per core on wasm, 1 on cpu and tensorflow), unless the study file sets
  // train.workers. A cap, not --workers: the trainer refuses more workers than a batch's images,
  // and any on tensorflow.
  await train({ ...cell.train, out: runDir }, { resume, overwrite: !resume, skipTest: cell.tune !== undefined, maxWorkers: threads, onProgress: studyTrainProgress(onProgress) });
};

/** How often a running cell's step status is passed on (each crosses a process boundary). */
const STEP_STATUS_MS = 1000;

/**
 * The trainer's events as a study shows them: each finished epoch's line ('epoch 3/10  loss …
 * img/s …') as a finished event, streamed with the cell's name; steps as a status at most once a
 * second, 'epoch 3/10 step 40/100 loss 1.23 456 img/s' (the study's ETA reads epoch and step).
 */
export function studyTrainProgress(onProgress: OnProgress, now: () => number = Date.now): OnProgress {
  let last = -Infinity;
  return (e) => {
    if (!e.task.startsWith('epoch ')) return;
    if (e.finished) {
      onProgress({ task: 'train', finished: true, message: e.message ?? e.task });
      return;
    }
    if (e.done === undefined || e.total === undefined) return;
    const t = now();
    if (t - last < STEP_STATUS_MS) return;
    last = t;
    const loss = e.fields?.loss;
    const speed = e.fields?.['img/s'];
    const figures = [typeof loss === 'number' ? `loss ${formatFigure(loss)}` : '', typeof speed === 'number' ? `${speed.toFixed(0)} img/s` : ''].filter(Boolean);
    onProgress({ task: 'train', message: [`${e.task} step ${e.done}/${e.total}`, ...figures].join(' ') });
  };
}
