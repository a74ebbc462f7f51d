import type { CommandModule } from 'yargs';
import { BACKEND_NAMES } from '../../backend/select.js';
import { train } from '../../train/trainer.js';
import { TRAIN_DEFAULTS, TRAIN_RULES as R, type TrainConfig } from '../../train/config.js';
import { hideBin } from 'yargs/helpers';
import { renderProgress } from '../../util/progress.js';
import { onTrainInterrupt } from '../progress/interrupt.js';
import { writeTrainingCurves } from '../../infer/report/curves.js';
import { ranged, rangedList } from '../ranged.js';
import { folderFlags, type FolderFlags } from '../dataset-flags.js';
import { listModels } from '../../train/models/index.js';
import { METHOD_NAMES } from '../../train/methods/presets.js';
import { describeDatasets } from '../../data/index.js';
import { LR_SCHEDULES, type LrSchedule } from '../../train/schedule.js';

/** The flags as declared; the handler reads them by yargs' camel-case names. */
interface TrainArgs extends FolderFlags {
  dataset: string;
  'data-dir'?: string;
  model: string;
  width: number;
  method: string;
  epochs: number;
  'batch-size': number;
  lr: number;
  momentum: number;
  'weight-decay': number;
  'lr-milestones': number[];
  'lr-gamma': number;
  'lr-schedule': LrSchedule;
  'warmup-epochs': number;
  alpha?: number;
  gamma?: number;
  kappa: number;
  tau: number;
  'lambda-mode': 'batch' | 'sample';
  imbalance?: number;
  'per-class'?: number;
  'train-subset'?: number;
  'val-size'?: number;
  pad?: number;
  flip?: boolean;
  seed: number;
  backend: TrainConfig['backend'];
  'gpu-adapter'?: string;
  out: string;
  resume: boolean;
  overwrite: boolean;
  'max-steps'?: number;
  workers?: number;
  quiet: boolean;
}

export const trainCommand: CommandModule<object, TrainArgs> = {
  command: 'train',
  describe: 'Train a classifier with ICM or a Mixup-family loss; writes checkpoints, a log and the model to --out',
  builder: (y) =>
    folderFlags(y)
      .example('$0 train --dataset fashion-mnist --model resnet20 --method icm --epochs 15 --out runs/icm', '')
      .example('$0 train --dataset fashion-mnist --method mixup --imbalance 100 --out runs/lt-mixup', 'long-tailed, rho = 100')
      .example('$0 train --out runs/icm --dataset fashion-mnist --resume', 'continue after a crash or Ctrl-C')
      .example('$0 train --dataset folder:./pets --image-size 64x64 --out runs/pets', 'your own images: one subfolder per class')
      .option('dataset', { type: 'string', demandOption: true, describe: Object.entries(describeDatasets()).map(([k, v]) => `${k}: ${v}`).join('; '), group: 'Data:' })
      .option('data-dir', { type: 'string', describe: 'folder holding the dataset files (required for cifar10/cifar100)', group: 'Data:' })
      .option(...ranged('imbalance', R.imbalance, { describe: 'long-tailed protocol: n_c = n_max * rho^(-c/(C-1)) with rho = this', group: 'Data:' }))
      .option(...ranged('per-class', R.perClass, { describe: 'data-constrained protocol: this many training images per class', group: 'Data:' }))
      .option(...ranged('train-subset', R.trainSubset, { describe: 'train on a stratified subset of this many images', group: 'Data:' }))
      .option(...ranged('val-size', R.valSize, { describe: 'images held out from training for validation and calibration (default: 10%, at most 5000)', group: 'Data:' }))
      .option(...ranged('pad', R.pad, { describe: 'random-crop padding in pixels (default per dataset: 2 for 28x28, 4 for 32x32)', group: 'Data:' }))
      .option('flip', { type: 'boolean', describe: 'random horizontal flips (default per dataset: on, off for mnist digits)', group: 'Data:' })
      .option('model', { type: 'string', default: TRAIN_DEFAULTS.model, describe: listModels().map((m) => `${m.name}: ${m.description}`).join('; '), group: 'Model:' })
      .option(...ranged('width', R.width, { default: TRAIN_DEFAULTS.width, describe: 'width multiplier for conv models', group: 'Model:' }))
      .option('method', { type: 'string', default: TRAIN_DEFAULTS.method, choices: METHOD_NAMES, describe: 'training loss (see README: Methods)', group: 'Method:' })
      .option(...ranged('alpha', R.alpha, { describe: "Beta(alpha, alpha) for mixing lambda (default: the method's, 0.2 for mixup/icm, 20 for the RegMixup family)", group: 'Method:' }))
      .option(...ranged('gamma', R.gamma, { describe: 'weight of the mixed term in regmixup / reg-icm (default 1)', group: 'Method:' }))
      .option(...ranged('kappa', R.kappa, { default: TRAIN_DEFAULTS.kappa, describe: 'Remix class-count ratio threshold', group: 'Method:' }))
      .option(...ranged('tau', R.tau, { default: TRAIN_DEFAULTS.tau, describe: 'Remix lambda threshold', group: 'Method:' }))
      .option('lambda-mode', { choices: ['batch', 'sample'] as const, default: TRAIN_DEFAULTS.lambdaMode, describe: 'one lambda per batch (the paper) or per sample', group: 'Method:' })
      .option(...ranged('epochs', R.epochs, { default: TRAIN_DEFAULTS.epochs, group: 'Optimisation:' }))
      .option(...ranged('batch-size', R.batchSize, { default: TRAIN_DEFAULTS.batchSize, group: 'Optimisation:' }))
      .option(...ranged('lr', R.lr, { default: TRAIN_DEFAULTS.lr, describe: 'SGD learning rate', group: 'Optimisation:' }))
      .option(...ranged('momentum', R.momentum, { default: TRAIN_DEFAULTS.momentum, group: 'Optimisation:' }))
      .option(...ranged('weight-decay', R.weightDecay, { default: TRAIN_DEFAULTS.weightDecay, group: 'Optimisation:' }))
      .option(...rangedList('lr-milestones', R.lrMilestones, { type: 'array', default: TRAIN_DEFAULTS.lrMilestones, describe: 'fractions of training at which lr is multiplied by --lr-gamma', group: 'Optimisation:' }))
      .option(...ranged('lr-gamma', R.lrGamma, { default: TRAIN_DEFAULTS.lrGamma, group: 'Optimisation:' }))
      .option('lr-schedule', { choices: Object.keys(LR_SCHEDULES) as LrSchedule[], default: 'step' as LrSchedule, describe: Object.entries(LR_SCHEDULES).map(([k, v]) => `${k}: ${v}`).join('; '), group: 'Optimisation:' })
      .option(...ranged('warmup-epochs', R.warmupEpochs, { default: 0, describe: 'epochs of linear warm-up to --lr before the schedule', group: 'Optimisation:' }))
      .option(...ranged('seed', R.seed, { default: TRAIN_DEFAULTS.seed, describe: 'seeds the split, initial weights, augmentation and mixing', group: 'Run:' }))
      .option('backend', { choices: BACKEND_NAMES, default: TRAIN_DEFAULTS.backend, describe: 'auto = tfjs-node(-gpu) if installed, else wasm; webgpu = any GPU through WebGPU (named only)', group: 'Run:' })
      .option('gpu-adapter', { type: 'string', describe: '--backend webgpu: the adapter, by index (0, 1, ...) or a part of its name; `icmix doctor` lists them (default: the first hardware one)', group: 'Run:' })
      .option('out', { type: 'string', demandOption: true, describe: 'run folder (checkpoints, log.jsonl, manifest.json, model/)', group: 'Run:' })
      .option('resume', { type: 'boolean', default: false, describe: 'continue from the last checkpoint in --out (--lr and --lr-gamma may change)', group: 'Run:' })
      .option('overwrite', { type: 'boolean', default: false, describe: 'start over in a non-empty --out, deleting its model, checkpoint, log, exports, calibration and reports', group: 'Run:' })
      .option(...ranged('max-steps', R.maxStepsPerEpoch, { describe: 'cap the steps per epoch (smoke tests)', group: 'Run:' }))
      .option(...ranged('workers', R.workers, { describe: 'data-parallel worker threads, each a model replica training on a slice of every batch (default: one per core on wasm, 1 on cpu and tensorflow)', group: 'Run:' }))
      .option('quiet', { type: 'boolean', default: false, describe: 'no progress output', group: 'Run:' }),
  handler: async (a) => {
    const stopListening = onTrainInterrupt({ runDir: a.out, epochs: a.epochs, args: hideBin(process.argv) });
    const result = await train(
      {
        dataset: a.dataset,
        dataDir: a.dataDir,
        imageSize: a.imageSize,
        channels: a.channels,
        strict: a.strict,
        model: a.model,
        width: a.width,
        method: a.method,
        epochs: a.epochs,
        batchSize: a.batchSize,
        lr: a.lr,
        momentum: a.momentum,
        weightDecay: a.weightDecay,
        lrMilestones: a.lrMilestones,
        lrGamma: a.lrGamma,
        lrSchedule: a.lrSchedule,
        warmupEpochs: a.warmupEpochs,
        alpha: a.alpha,
        gamma: a.gamma,
        kappa: a.kappa,
        tau: a.tau,
        lambdaMode: a.lambdaMode,
        imbalance: a.imbalance,
        perClass: a.perClass,
        trainSubset: a.trainSubset,
        valSize: a.valSize,
        pad: a.pad,
        flip: a.flip,
        seed: a.seed,
        backend: a.backend,
        gpuAdapter: a['gpu-adapter'],
        out: a.out,
        maxStepsPerEpoch: a.maxSteps,
        workers: a.workers,
      },
      { resume: a.resume, overwrite: a.overwrite, quiet: a.quiet, onProgress: a.quiet ? undefined : renderProgress() },
    ).finally(stopListening);
    const curves = await writeTrainingCurves(result.runDir, { title: `${a.method} on ${a.dataset}: training curves` });
    if (curves && !a.quiet) console.error(`icmix train: training curves in ${curves}`);
    console.log(
      `trained ${a.model} with ${a.method} on ${a.dataset}: test accuracy ${(100 * result.testAccuracy).toFixed(2)}% ` +
        `in ${result.seconds.toFixed(0)} s; run folder ${result.runDir}`,
    );
  },
};
