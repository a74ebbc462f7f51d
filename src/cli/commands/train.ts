import type { Argv, CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { train } from '../../train/trainer.js';
import { lrRangeTest } from '../../train/lr-find.js';
import type { LrFindRecord } from '../../run/index.js';
import { trainConfigOf, trainFlags } from '../train-flags.js';
import { renderProgress } from '../../util/progress.js';
import { onTrainInterrupt } from '../progress/interrupt.js';
import { writeTrainingCurves } from '../../infer/report/curves.js';

/** The flags as parsed: every TrainConfig field under its flag, plus the run controls. */
type TrainArgs = Record<string, unknown> & { out: string; epochs: number; method: string; dataset: string; resume: boolean; overwrite: boolean; quiet: boolean };

export const trainCommand: CommandModule<object, TrainArgs> = {
  command: 'train',
  describe: 'Train a classifier with ICM or a Mixup-family loss; writes checkpoints, a log and the model to --out',
  builder: (y) => {
    let a = y
      .example('$0 train --dataset fashion-mnist --model resnet20 --method icm --epochs 15 --out runs/icm', '')
      .example('$0 train --dataset fashion-mnist --method mixup --imbalance 100 --out runs/lt-mixup', 'long-tailed, rho = 100')
      .example('$0 train --out runs/icm --dataset fashion-mnist --resume', 'continue after a crash or Ctrl-C')
      .example('$0 train --dataset folder:./pets --image-size 64x64 --out runs/pets', 'your own images: one subfolder per class') as Argv;
    // Every TrainConfig field, from the one table (train/options.ts), grouped as --help shows them.
    return trainFlags(a)
      .option('resume', { type: 'boolean', default: false, describe: 'continue from the last checkpoint in --out (--lr and --lr-gamma may change)', group: 'Run:' })
      .option('overwrite', { type: 'boolean', default: false, describe: 'start over in a non-empty --out, deleting its model, checkpoint, log, exports, calibration and reports', group: 'Run:' })
      .option('quiet', { type: 'boolean', default: false, describe: 'no progress output', group: 'Run:' }) as unknown as Argv<TrainArgs>;
  },
  handler: async (a) => {
    const stopListening = onTrainInterrupt({ runDir: a.out, epochs: a.epochs, args: hideBin(process.argv) });
    // The flags to the config by the table: each field is read under its own flag.
    const config = trainConfigOf(a);
    // --lr auto: the range test first, from the run's own initial weights, then training at its suggestion.
    let lrFind: LrFindRecord | undefined;
    if ((config.lr as unknown) === 'auto') {
      const found = await lrRangeTest({ ...config, lr: 0.1 }, { onProgress: a.quiet ? undefined : renderProgress() });
      lrFind = { suggestion: found.suggestion, minLossLr: found.minLossLr, steepestLr: found.steepestLr, steps: found.points.length, ...(found.stopped ? { stopped: found.stopped } : {}) };
      config.lr = found.suggestion;
      if (!a.quiet) console.error(`icmix train: --lr auto: the range test suggests lr ${found.suggestion.toPrecision(2)} (lowest loss at ${found.minLossLr.toPrecision(2)}, steepest fall at ${found.steepestLr.toPrecision(2)})`);
    }
    const result = await train(config, { lrFind, resume: a.resume, overwrite: a.overwrite, quiet: a.quiet, onProgress: a.quiet ? undefined : renderProgress() }).finally(stopListening);
    const curves = await writeTrainingCurves(result.runDir, { title: `${a.method} on ${a.dataset}: training curves` });
    if (curves && !a.quiet) console.error(`icmix train: training curves in ${curves}`);
    console.log(
      `trained ${a.model} with ${a.method} on ${a.dataset}: test accuracy ${(100 * result.testAccuracy).toFixed(2)}% ` +
        `in ${result.seconds.toFixed(0)} s; run folder ${result.runDir}`,
    );
  },
};
