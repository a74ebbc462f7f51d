import type { Argv, CommandModule, Options } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { train } from '../../train/trainer.js';
import type { TrainConfig } from '../../train/config.js';
import { flagOf, TRAIN_OPTIONS, type TrainOption, type TrainOptionName } from '../../train/options.js';
import { renderProgress } from '../../util/progress.js';
import { describeRule } from '../../util/ranges.js';
import { onTrainInterrupt } from '../progress/interrupt.js';
import { writeTrainingCurves } from '../../infer/report/curves.js';
import { ranged, rangedList } from '../ranged.js';

/** The flags as parsed: every TrainConfig field under its flag, plus the run controls. */
type TrainArgs = Record<string, unknown> & { out: string; epochs: number; method: string; dataset: string; resume: boolean; overwrite: boolean; quiet: boolean };

/** One row of the options table as a yargs option (numbers checked against their rule while parsing). */
function yargsOption(key: TrainOptionName): readonly [string, Options] {
  const o: TrainOption = TRAIN_OPTIONS[key];
  const flag = flagOf(key);
  const spec = o.spec;
  const def = o.cliDefault ?? spec.default;
  const base: Options = { group: o.group, ...(spec.help ? { describe: spec.help } : {}), ...(def !== undefined ? { default: def } : {}), ...(o.required ? { demandOption: true } : {}) };
  if (o.parse) {
    const rule = spec.kind === 'number' ? ` (${describeRule(spec.rule)})` : '';
    return [flag, { ...base, type: 'string', describe: `${spec.help}${rule}`, coerce: o.parse }];
  }
  switch (spec.kind) {
    case 'number':
      return spec.rule.list ? rangedList(flag, spec.rule, { ...base, type: 'array' }) : ranged(flag, spec.rule, base);
    case 'choice':
      return [flag, { ...base, choices: spec.choices }];
    case 'boolean':
      return [flag, { ...base, type: 'boolean' }];
    case 'string':
      return [flag, { ...base, type: 'string' }];
  }
}

const KEYS = Object.keys(TRAIN_OPTIONS) as TrainOptionName[];
const GROUP_ORDER = ['Data:', 'Model:', 'Method:', 'Optimisation:', 'Run:'];

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
    for (const group of GROUP_ORDER) for (const k of KEYS.filter((k) => TRAIN_OPTIONS[k].group === group)) a = a.option(...yargsOption(k));
    return a
      .option('resume', { type: 'boolean', default: false, describe: 'continue from the last checkpoint in --out (--lr and --lr-gamma may change)', group: 'Run:' })
      .option('overwrite', { type: 'boolean', default: false, describe: 'start over in a non-empty --out, deleting its model, checkpoint, log, exports, calibration and reports', group: 'Run:' })
      .option('quiet', { type: 'boolean', default: false, describe: 'no progress output', group: 'Run:' }) as unknown as Argv<TrainArgs>;
  },
  handler: async (a) => {
    const stopListening = onTrainInterrupt({ runDir: a.out, epochs: a.epochs, args: hideBin(process.argv) });
    // The flags to the config by the table: each field is read under its own flag.
    const config = Object.fromEntries(KEYS.map((k) => [k, a[flagOf(k)]])) as unknown as TrainConfig;
    const result = await train(config, { resume: a.resume, overwrite: a.overwrite, quiet: a.quiet, onProgress: a.quiet ? undefined : renderProgress() }).finally(stopListening);
    const curves = await writeTrainingCurves(result.runDir, { title: `${a.method} on ${a.dataset}: training curves` });
    if (curves && !a.quiet) console.error(`icmix train: training curves in ${curves}`);
    console.log(
      `trained ${a.model} with ${a.method} on ${a.dataset}: test accuracy ${(100 * result.testAccuracy).toFixed(2)}% ` +
        `in ${result.seconds.toFixed(0)} s; run folder ${result.runDir}`,
    );
  },
};
