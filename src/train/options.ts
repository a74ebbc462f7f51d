/**
 * Every training option declared once: kind, allowed values, default, help, CLI group and whether
 * a study file may set it under `train:`. From this table come TRAIN_RULES (the library's checks),
 * the flags of `icmix train` and their mapping to TrainConfig (cli/commands/train.ts), and the
 * study schema's `train` block is tested against it (test/train/options.test.ts). A new option is
 * one row here plus its field in TrainConfig (the compiler insists on both); a method parameter is
 * declared by its mixer or objective only, and arrives here through METHOD_PARAMS.
 */
import { BACKEND_NAMES } from '../backend/select.js';
import { describeDatasets } from '../data/datasets.js';
import { FOLDER_RULES, parseImageSize } from '../data/image-folder.js';
import { DEFAULT_MAX_IMAGE_PIXELS } from '../image/index.js';
import type { BooleanOption, ChoiceOption, NumberOption } from '../util/options.js';
import { checkNumber, nonNegative, nonNegativeInt, positive, positiveInt, type NumberRule, type RuleTable } from '../util/ranges.js';
import type { TrainConfig } from './config.js';
import { METHOD_PARAMS, type MethodParamSpecs } from './methods/params.js';
import { METHOD_NAMES } from './methods/presets.js';
import { listModels } from './models/index.js';
import { LR_SCHEDULES, type LrSchedule } from './schedule.js';

export interface StringOption {
  readonly kind: 'string';
  readonly default?: string;
  readonly help: string;
}

export type TrainGroup = 'Data:' | 'Model:' | 'Method:' | 'Optimisation:' | 'Run:';

export interface TrainOption {
  readonly spec: NumberOption | ChoiceOption | BooleanOption | StringOption;
  readonly group: TrainGroup;
  /** The flag's name, when not the key in kebab case. */
  readonly flag?: string;
  /** The CLI must be given it. */
  readonly required?: boolean;
  /**
   * A default the CLI shows and applies but the library does not (older manifests lack the
   * field, and resolveConfig must read them as they were written).
   */
  readonly cliDefault?: unknown;
  /** The flag arrives as text and is parsed by this (e.g. --image-size 64x48). */
  readonly parse?: (v: unknown) => unknown;
  /** A study file may set it under `train:`; `rule` when a study needs a stricter one. */
  readonly study?: { readonly rule?: NumberRule };
}

/** --lr: a positive number, or 'auto' (the train command runs the range test first). */
function parseLr(v: unknown): number | 'auto' | undefined {
  if (v === undefined || v === 'auto') return v;
  const x = typeof v === 'number' ? v : Number(String(v).trim() || NaN);
  return checkNumber(x, positive, '--lr') as number; // (or auto: the error's flag help says so)
}

const num = (rule: NumberRule, help: string, def?: number | readonly number[]): NumberOption => ({ kind: 'number', rule, help, ...(def !== undefined ? { default: def } : {}) });

/** The method parameters, as their mixers and objectives declare them: every one is a flag and a study option. */
const METHOD_OPTIONS = Object.fromEntries(
  Object.entries(METHOD_PARAMS).map(([k, spec]) => [k, { spec, group: 'Method:', study: {} } satisfies TrainOption]),
) as { [K in keyof MethodParamSpecs]: { spec: MethodParamSpecs[K]; group: 'Method:'; study: object } };

/** The options, in --help order within each group. */
export const TRAIN_OPTIONS = {
  dataset: { spec: { kind: 'string', help: Object.entries(describeDatasets()).map(([k, v]) => `${k}: ${v}`).join('; ') }, group: 'Data:', required: true },
  dataDir: { spec: { kind: 'string', help: 'folder holding the dataset files (required for cifar10/cifar100)' }, group: 'Data:' },
  imageSize: {
    spec: num(FOLDER_RULES.imageSize, 'folder:<dir> datasets: resize every image to HxW (height x width, e.g. 64x64; default: the most common size)'),
    group: 'Data:',
    parse: (v: unknown) => (v === undefined ? undefined : parseImageSize(v)),
    study: {},
  },
  channels: { spec: num(FOLDER_RULES.channels, 'folder:<dir> datasets: 1 (grey) or 3 (RGB) (default: 1 when every file is grey, else 3)'), group: 'Data:', study: {} },
  strict: { spec: { kind: 'boolean', help: 'folder:<dir> datasets: stop at a file that does not decode instead of skipping it' }, group: 'Data:', study: {} },
  maxImagePixels: {
    spec: num(FOLDER_RULES.maxImagePixels, `folder:<dir> datasets: largest width x height an image file may declare (default ${DEFAULT_MAX_IMAGE_PIXELS}, 10000x10000); a larger file is refused from its header, before decoding, with an error naming it`),
    group: 'Data:',
    study: {},
  },
  imbalance: { spec: num({ type: 'number', min: 1 }, 'long-tailed protocol: n_c = n_max * rho^(-c/(C-1)) with rho = this'), group: 'Data:' },
  perClass: { spec: num(positiveInt, 'data-constrained protocol: this many training images per class'), group: 'Data:' },
  trainSubset: { spec: num(positiveInt, 'train on a stratified subset of this many images'), group: 'Data:' },
  // A study's cells are calibrated, so a study needs a validation split.
  valSize: { spec: num(nonNegativeInt, 'images held out from training for validation and calibration (default: 10%, at most 5000)'), group: 'Data:', study: { rule: positiveInt } },
  pad: { spec: num(nonNegativeInt, 'random-crop padding in pixels (default per dataset: 2 for 28x28, 4 for 32x32)'), group: 'Data:', study: {} },
  flip: { spec: { kind: 'boolean', help: 'random horizontal flips (default per dataset: on, off for mnist digits)' }, group: 'Data:', study: {} },
  model: { spec: { kind: 'string', default: 'resnet20', help: listModels().map((m) => `${m.name}: ${m.description}`).join('; ') }, group: 'Model:' },
  width: { spec: num(positive, 'width multiplier for conv models', 1), group: 'Model:' },
  method: { spec: { kind: 'choice', choices: METHOD_NAMES, default: 'icm', help: 'training loss (see README: Methods)' }, group: 'Method:' },
  ...METHOD_OPTIONS,
  epochs: { spec: num(positiveInt, '', 10), group: 'Optimisation:' },
  // Mixing pairs images within a batch.
  batchSize: { spec: num({ type: 'int', min: 2 }, '', 128), group: 'Optimisation:' },
  lr: { spec: num(positive, "SGD learning rate, or 'auto': the learning-rate range test (icmix lr-find) picks it", 0.1), group: 'Optimisation:', parse: parseLr, study: {} },
  momentum: { spec: num({ type: 'number', min: 0, max: 1, exclusiveMax: true }, '', 0.9), group: 'Optimisation:', study: {} },
  weightDecay: { spec: num(nonNegative, '', 5e-4), group: 'Optimisation:', study: {} },
  lrMilestones: { spec: num({ type: 'number', min: 0, max: 1, list: true }, 'fractions of training at which lr is multiplied by --lr-gamma', [0.25, 0.5, 0.75]), group: 'Optimisation:', study: {} },
  lrGamma: { spec: num(positive, '', 0.2), group: 'Optimisation:', study: {} },
  lrSchedule: {
    spec: { kind: 'choice', choices: Object.keys(LR_SCHEDULES) as LrSchedule[], help: Object.entries(LR_SCHEDULES).map(([k, v]) => `${k}: ${v}`).join('; ') },
    group: 'Optimisation:',
    cliDefault: 'step',
    study: {},
  },
  warmupEpochs: { spec: num(nonNegativeInt, 'epochs of linear warm-up to --lr before the schedule'), group: 'Optimisation:', cliDefault: 0, study: {} },
  seed: { spec: num(nonNegativeInt, 'seeds the split, initial weights, augmentation and mixing', 0), group: 'Run:' },
  backend: { spec: { kind: 'choice', choices: BACKEND_NAMES, default: 'auto', help: 'auto = tfjs-node(-gpu) if installed, else wasm; webgpu = any GPU through WebGPU (named only)' }, group: 'Run:', study: {} },
  gpuAdapter: {
    spec: { kind: 'string', help: '--backend webgpu: the adapter, by index (0, 1, ...) or a part of its name; `icmix doctor` lists them (default: the first hardware one)' },
    group: 'Run:',
    study: {},
  },
  out: { spec: { kind: 'string', help: 'run folder (checkpoints, log.jsonl, manifest.json, model/)' }, group: 'Run:', required: true },
  maxStepsPerEpoch: { spec: num(positiveInt, 'cap the steps per epoch (smoke tests)'), group: 'Run:', flag: 'max-steps', study: {} },
  keep: {
    spec: { kind: 'choice', choices: ['last', 'best'] as const, help: "which weights model/ holds: the last epoch's, or the best validation accuracy's (needs a validation split)" },
    group: 'Run:',
    cliDefault: 'last',
    study: {},
  },
  patience: { spec: num(positiveInt, 'stop after this many epochs without a new best validation accuracy (early stopping; needs a validation split)'), group: 'Run:', study: {} },
  logTensorboard: { spec: { kind: 'string', help: 'write TensorBoard event files into this folder: train and val loss, val accuracy, lr (TensorFlow\'s own writer; needs the native engine installed)' }, group: 'Run:' },
  workers: {
    spec: num({ type: 'int', min: 1, max: 256 }, 'data-parallel worker threads, each a model replica training on a slice of every batch (default: one per core on wasm, 1 on cpu and tensorflow)'),
    group: 'Run:',
    study: {},
  },
} as const satisfies { readonly [K in keyof TrainConfig]-?: TrainOption };

export type TrainOptionName = keyof typeof TRAIN_OPTIONS;

/** The options a study file may set under `train:` (the rows with `study`). */
export type StudyTrainKey = { [K in TrainOptionName]: (typeof TRAIN_OPTIONS)[K] extends { study: object } ? K : never }[TrainOptionName];

/** The flag of an option: its key in kebab case unless the table names another. */
export function flagOf(key: TrainOptionName): string {
  const o: TrainOption = TRAIN_OPTIONS[key];
  return o.flag ?? key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

const entries = Object.entries(TRAIN_OPTIONS) as [TrainOptionName, TrainOption][];

/** The allowed range of every numeric training option, from the table. */
export const TRAIN_OPTION_RULES = Object.fromEntries(entries.flatMap(([k, o]) => (o.spec.kind === 'number' ? [[k, o.spec.rule]] : []))) as RuleTable<TrainConfig>;

/** The library's defaults, from the table (options without one stay undefined). */
export const TRAIN_OPTION_DEFAULTS = Object.fromEntries(entries.flatMap(([k, o]) => (o.spec.default !== undefined ? [[k, o.spec.default]] : []))) as Omit<TrainConfig, 'dataset' | 'out'>;
