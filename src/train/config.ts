import type { BackendName } from '../backend/select.js';
import type { MethodOptions } from './methods/params.js';
import { TRAIN_OPTION_DEFAULTS, TRAIN_OPTION_RULES } from './options.js';
import { LR_SCHEDULES, type LrSchedule } from './schedule.js';
import { IcmixError } from '../util/errors.js';
import { checkOptions, type RuleTable } from '../util/ranges.js';

/**
 * Everything that defines a training run; recorded in the run manifest. Each field has its row in
 * the options table (train/options.ts: range, default, help, flag); the method's hyperparameters
 * are declared by their mixers and objectives (methods/params.ts collects them).
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
  /** Folder datasets: most width x height pixels a file may declare (larger files are refused before decoding). */
  maxImagePixels?: number;
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
  /** Which weights the run's model/ holds: the last epoch's (default) or the best validation accuracy's. */
  keep?: 'last' | 'best';
  /** Stop after this many epochs without a new best validation accuracy (early stopping); off by default. */
  patience?: number;
  /** A folder for TensorBoard event files: train and validation loss, validation accuracy, lr per epoch. */
  logTensorboard?: string;
}

/** The defaults, from the options table (train/options.ts). */
export const TRAIN_DEFAULTS: Omit<TrainConfig, 'dataset' | 'out'> = TRAIN_OPTION_DEFAULTS;

/**
 * The allowed range of every numeric training option, from the options table (train/options.ts).
 * The CLI's flags, the study files and `resolveConfig` all check against it.
 */
export const TRAIN_RULES: RuleTable<TrainConfig> = TRAIN_OPTION_RULES;

/** A full config: the defaults with `partial`'s defined fields over them, every number checked. */
export function resolveConfig(partial: Partial<TrainConfig> & Pick<TrainConfig, 'dataset' | 'out'>): TrainConfig {
  const cfg = { ...TRAIN_DEFAULTS } as TrainConfig;
  for (const [k, v] of Object.entries(partial)) if (v !== undefined) (cfg as unknown as Record<string, unknown>)[k] = v;
  checkOptions(cfg, TRAIN_RULES, 'train');
  checkSchedule(cfg, 'train');
  if (cfg.keep !== undefined && cfg.keep !== 'last' && cfg.keep !== 'best') throw new IcmixError(`train: keep must be 'last' or 'best', got ${JSON.stringify(cfg.keep)}`);
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
