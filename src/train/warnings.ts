/**
 * Training health checks that do not stop a run but must not pass silently: a loss that did not
 * fall during the first epoch (lr too high, or the method diverging), and a final validation
 * accuracy near chance. Pure functions; the trainer reports and records what they return.
 */

export type TrainWarningKind = 'loss-not-falling' | 'near-chance' | 'software-gpu';

export interface TrainWarning {
  kind: TrainWarningKind;
  /** The epoch (1-based) the check looked at. */
  epoch: number;
  message: string;
}

/** Near chance: validation accuracy below this multiple of 1/C. */
export const CHANCE_FACTOR = 1.5;

/**
 * The first epoch's step losses, first quarter against last quarter (at least one step each, at
 * most 10): a warning when the end has not dropped below the start. Needs two steps or more.
 */
export function lossWarning(stepLosses: readonly number[], lr: number): TrainWarning | undefined {
  const n = stepLosses.length;
  if (n < 2) return undefined;
  const k = Math.min(10, Math.max(1, Math.floor(n / 4)));
  const avg = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const start = avg(stepLosses.slice(0, k));
  const end = avg(stepLosses.slice(n - k));
  if (end < start) return undefined;
  return {
    kind: 'loss-not-falling',
    epoch: 1,
    message: `the training loss did not fall during the first epoch (mean of its first ${k} step${k > 1 ? 's' : ''} ${start.toFixed(4)}, of its last ${k} ${end.toFixed(4)}) at lr ${lr}; the learning rate may be too high (try a lower --lr or --warmup-epochs)`,
  };
}

/** A warning when the final validation accuracy is below CHANCE_FACTOR / numClasses. */
export function chanceWarning(valAccuracy: number, numClasses: number, epoch: number): TrainWarning | undefined {
  if (!Number.isFinite(valAccuracy) || numClasses < 2) return undefined;
  const chance = 1 / numClasses;
  // Compared as acc x C against the factor: 0.15 x 10 is exactly 1.5, 1.5 x 0.1 is not 0.15.
  if (valAccuracy * numClasses >= CHANCE_FACTOR) return undefined;
  return {
    kind: 'near-chance',
    epoch,
    message: `validation accuracy after epoch ${epoch} is ${(100 * valAccuracy).toFixed(2)}%, near chance (${(100 * chance).toFixed(2)}% for ${numClasses} classes; warned below ${CHANCE_FACTOR}x): the run has not learned; check the learning rate and the data`,
  };
}

/** A run projected to take longer than this on a software GPU adapter is warned about (ICMIX_LONG_RUN_SECONDS overrides). */
export const LONG_RUN_SECONDS = 300;

/**
 * A software WebGPU adapter (lavapipe, SwiftShader) computes right answers at a small fraction of
 * a GPU's speed: fine for tests, not for a real run. Warn, with the measured pace, when this
 * run's remaining images at that pace exceed the long-run threshold.
 */
export function softwareGpuWarning(adapter: string, imagesPerSecond: number, imagesLeft: number, epoch: number, longRun = longRunSeconds()): TrainWarning | undefined {
  const seconds = imagesLeft / imagesPerSecond;
  if (!(seconds > longRun)) return undefined;
  return {
    kind: 'software-gpu',
    epoch,
    message:
      `the webgpu engine runs on a software adapter (${adapter}) at a measured ${imagesPerSecond.toFixed(1)} img/s, about ${formatHours(seconds)} for the rest of this run: ` +
      'fine for tests, far too slow to train; pick a hardware GPU with --gpu-adapter (`icmix doctor` lists the adapters) or train on --backend tensorflow or wasm',
  };
}

function longRunSeconds(): number {
  const v = Number(process.env.ICMIX_LONG_RUN_SECONDS);
  return process.env.ICMIX_LONG_RUN_SECONDS !== undefined && Number.isFinite(v) && v >= 0 ? v : LONG_RUN_SECONDS;
}

function formatHours(s: number): string {
  return s >= 3600 ? `${(s / 3600).toFixed(1)} h` : `${Math.ceil(s / 60)} min`;
}
