import type { BackendName } from '../backend/select.js';
import { FOLDER_RULES } from '../data/image-folder.js';
import { METHOD_PARAM_DEFAULTS, type MethodOptions } from './methods/params.js';
import { LR_SCHEDULES, type LrSchedule } from './schedule.js';
import { IcmixError } from '../util/errors.js';
import { checkOptions, nonNegative, nonNegativeInt, positive, positiveInt, type RuleTable } from '../util/ranges.js';

/**
 * Everything that defines a training run; recorded in the run manifest. The method's
 * hyperparameters (alpha, gamma, kappa, tau, lambdaMode) are declared in methods/params.ts.
 */
export interface TrainConfig extends MethodOptions {
  dataset: string;
  dataDir?: string;
  /** [h, w] folder datasets are resized to (default: their most common size). */
  imageSize?: number[];
  /** 1 or 3 channels for folder datasets (default: 1 when every file is grey). */
  channels?: number;
  /** Folder datasets: stop at a file that does not decode instead of skipping it. */
  strict?: boolean;
  model: string;
  /** Width multiplier for conv models. */
  width: number;
  method: string;
  epochs: number;
  batchSize: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  /** Fractions of training at which lr is multiplied by lrGamma (the paper: 50/100/150 of 200). */
  lrMilestones: number[];
  lrGamma: number;
  /** 'step' (default) or 'cosine'; see scheduledLr. Absent in runs made before schedules existed. */
  lrSchedule?: LrSchedule;
  /** Epochs of linear warm-up before the schedule (default 0). */
  warmupEpochs?: number;
  imbalance?: number;
  perClass?: number;
  trainSubset?: number;
  valSize?: number;
  /** Random-crop padding in pixels; undefined = the dataset's default. */
  pad?: number;
  /** Horizontal flips; undefined = the dataset's default. */
  flip?: boolean;
  seed: number;
  backend: BackendName;
  /** --backend webgpu: the adapter, by index or a part of its name (`icmix doctor` lists them); default the first hardware one. */
  gpuAdapter?: string;
  out: string;
  /** Stop after this many steps per epoch (smoke tests and benchmarks). */
  maxStepsPerEpoch?: number;
  /**
   * Data-parallel worker threads, each a replica of the model taking a slice of every batch
   * (default: the engine's defaultWorkers, capped by the model and the cores a study cell has). 1 trains in this thread.
   */
  workers?: number;
}

export const TRAIN_DEFAULTS: Omit<TrainConfig, 'dataset' | 'out'> = {
  model: 'resnet20',
  width: 1,
  method: 'icm',
  epochs: 10,
  batchSize: 128,
  lr: 0.1,
  momentum: 0.9,
  weightDecay: 5e-4,
  lrMilestones: [0.25, 0.5, 0.75],
  lrGamma: 0.2,
  ...METHOD_PARAM_DEFAULTS,
  seed: 0,
  backend: 'auto',
};

/**
 * The allowed range of every numeric training option. The CLI's flags, the study files and
 * `resolveConfig` all check against this table.
 */
export const TRAIN_RULES: RuleTable<TrainConfig> = {
  width: positive,
  imageSize: FOLDER_RULES.imageSize,
  channels: FOLDER_RULES.channels,
  epochs: positiveInt,
  // Mixing pairs images within a batch.
  batchSize: { type: 'int', min: 2 },
  lr: positive,
  momentum: { type: 'number', min: 0, max: 1, exclusiveMax: true },
  weightDecay: nonNegative,
  lrMilestones: { type: 'number', min: 0, max: 1, list: true },
  lrGamma: positive,
  warmupEpochs: nonNegativeInt,
  alpha: positive,
  gamma: nonNegative,
  kappa: positive,
  tau: { type: 'number', min: 0, max: 1 },
  imbalance: { type: 'number', min: 1 },
  perClass: positiveInt,
  trainSubset: positiveInt,
  valSize: nonNegativeInt,
  pad: nonNegativeInt,
  seed: nonNegativeInt,
  maxStepsPerEpoch: positiveInt,
  workers: { type: 'int', min: 1, max: 256 },
};

/** A full config: the defaults with `partial`'s defined fields over them, every number checked. */
export function resolveConfig(partial: Partial<TrainConfig> & Pick<TrainConfig, 'dataset' | 'out'>): TrainConfig {
  const cfg = { ...TRAIN_DEFAULTS } as TrainConfig;
  for (const [k, v] of Object.entries(partial)) if (v !== undefined) (cfg as unknown as Record<string, unknown>)[k] = v;
  checkOptions(cfg, TRAIN_RULES, 'train');
  checkSchedule(cfg, 'train');
  return cfg;
}

/** What the per-field rules cannot see: the schedule's name and warm-up shorter than training. */
export function checkSchedule(cfg: Pick<TrainConfig, 'epochs' | 'lrSchedule' | 'warmupEpochs'>, where: string): void {
  if (cfg.lrSchedule !== undefined && !Object.hasOwn(LR_SCHEDULES, cfg.lrSchedule)) {
    throw new IcmixError(`${where}: lrSchedule must be one of ${Object.keys(LR_SCHEDULES).join(', ')}, got ${JSON.stringify(cfg.lrSchedule)}`);
  }
  if ((cfg.warmupEpochs ?? 0) >= cfg.epochs) {
    throw new IcmixError(`${where}: warmupEpochs (${cfg.warmupEpochs}) must be below epochs (${cfg.epochs}), so that some epochs train at the scheduled rate; lower warmupEpochs or raise epochs`);
  }
}
