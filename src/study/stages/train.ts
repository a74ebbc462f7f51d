import { hasCheckpoint } from '../../run/index.js';
import { train } from '../../train/trainer.js';
import type { StageFn } from './types.js';

/**
 * Train the cell's model in its run folder. A run interrupted mid-training has a checkpoint
 * (state.json is written last, atomically), and `resume` continues it with the results an
 * uninterrupted run would have had. Without a checkpoint the stage starts over: whatever run
 * files an earlier attempt left in the cell folder are its own, so they are overwritten. A tune
 * cell never evaluates the test split: its lr is chosen on validation accuracy alone.
 */
export const trainStage: StageFn = async ({ cell, runDir, onProgress }) => {
  const resume = hasCheckpoint(runDir);
  const epochs = cell.train.epochs;
  onProgress({ task: 'train', message: resume ? 'resuming' : `epoch 0/${epochs}` });
  // Only finished epochs reach the study's status line (its ETA reads 'epoch k/n').
  await train({ ...cell.train, out: runDir }, { resume, overwrite: !resume, skipTest: cell.tune !== undefined, onProgress: (e) => void (e.finished && e.task.startsWith('epoch ') && onProgress({ task: 'train', message: e.task })) });
};
