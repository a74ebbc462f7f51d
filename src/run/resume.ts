import type { TrainConfig } from '../train/config.js';
import { canonicalJson } from '../util/canonical-json.js';
import { IcmixError } from '../util/errors.js';
import { RESUMABLE_CHANGES, type ResumableOption, type ResumeRecord } from './manifest.js';

/**
 * Options that do not change what a run computes (where it runs, where it writes). The worker
 * count changes only BatchNorm's per-slice statistics, so a run may resume on another machine.
 */
const IGNORED: ReadonlySet<string> = new Set(['backend', 'gpuAdapter', 'out', 'workers', 'keep', 'patience', 'logTensorboard']);

/**
 * A resumed run must train as the original would, except for the learning rate and its decay
 * (a run that diverged continues from its last good checkpoint at a lower rate) and a larger
 * epoch count (a finished run extended; the schedule is then laid over the new count). Returns
 * the changes as [old, new]; refuses any other change.
 */
export function resumeChanges(previous: TrainConfig, current: TrainConfig): ResumeRecord['changed'] {
  const changed: ResumeRecord['changed'] = {};
  // Runs made before schedules were options trained with step decay and no warm-up.
  const prev = { lrSchedule: 'step', warmupEpochs: 0, ...previous } as unknown as Record<string, unknown>;
  const cur = current as unknown as Record<string, unknown>;
  for (const k of new Set([...Object.keys(prev), ...Object.keys(cur)])) {
    if (IGNORED.has(k) || canonicalJson(prev[k]) === canonicalJson(cur[k])) continue;
    if (k === 'epochs' && typeof prev[k] === 'number' && typeof cur[k] === 'number' && cur[k] < prev[k]) {
      throw new IcmixError(`--resume: --epochs ${cur[k]} is fewer than the run's ${prev[k]}; a run is extended (a larger --epochs), never shortened`);
    }
    if ((RESUMABLE_CHANGES as readonly string[]).includes(k) && typeof prev[k] === 'number' && typeof cur[k] === 'number') {
      changed[k as ResumableOption] = [prev[k] as number, cur[k] as number];
      continue;
    }
    throw new IcmixError(
      `--resume: option '${k}' was ${JSON.stringify(prev[k])} when the run started and is now ${JSON.stringify(cur[k])}; ` +
        `resume with the original options (only lr, lrGamma and a larger epochs may change) or start a new --out folder`,
    );
  }
  return changed;
}
