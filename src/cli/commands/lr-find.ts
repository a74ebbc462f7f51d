import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { lrFindSvg, lrRangeTest } from '../../train/lr-find.js';
import { writeFileAtomic, writeJsonAtomic } from '../../util/atomic.js';
import { renderProgress } from '../../util/progress.js';
import { ranged } from '../ranged.js';
import { trainConfigOf, trainFlags } from '../train-flags.js';

type LrFindArgs = Record<string, unknown> & { out: string; steps: number; 'min-lr': number; 'max-lr': number; quiet: boolean };

export const lrFindCommand: CommandModule<object, LrFindArgs> = {
  command: 'lr-find',
  describe: 'The learning-rate range test: train a few hundred steps from the initial weights at an exponentially rising lr, plot the loss and suggest an lr',
  builder: (y) =>
    trainFlags(
      y
        .example('$0 lr-find --dataset fashion-mnist --model cnn --method icm --out runs/lr-cnn', 'writes lr-find.json and lr-find.svg, prints the suggestion')
        .example('$0 train --dataset fashion-mnist --model cnn --lr auto --out runs/cnn', 'the same test, then training at its suggestion') as Argv,
      // Nothing here trains to the end: the schedule, epochs and run controls do not apply.
      ['lr', 'epochs', 'lrMilestones', 'lrGamma', 'lrSchedule', 'warmupEpochs', 'maxStepsPerEpoch', 'workers', 'keep', 'patience', 'logTensorboard'],
    )
      .option(...ranged('steps', { type: 'int', min: 10, max: 100000 }, { default: 100, describe: 'steps of the sweep' }))
      .option(...ranged('min-lr', { type: 'number', min: 0, exclusiveMin: true }, { default: 1e-5, describe: 'the first lr' }))
      .option(...ranged('max-lr', { type: 'number', min: 0, exclusiveMin: true }, { default: 10, describe: 'the last lr (the sweep stops sooner once the loss diverges)' }))
      .option('quiet', { type: 'boolean', default: false, describe: 'no progress output' }) as unknown as Argv<LrFindArgs>,
  handler: async (a) => {
    const config = { ...trainConfigOf(a), lr: 0.1, epochs: 1 };
    const r = await lrRangeTest(config, { steps: a.steps, minLr: a['min-lr'], maxLr: a['max-lr'], onProgress: a.quiet ? undefined : renderProgress() });
    await fs.mkdir(a.out, { recursive: true });
    await writeJsonAtomic(path.join(a.out, 'lr-find.json'), r);
    await writeFileAtomic(path.join(a.out, 'lr-find.svg'), lrFindSvg(r));
    console.log(
      `suggested lr ${r.suggestion.toPrecision(2)} (lowest loss at ${r.minLossLr.toPrecision(2)}, steepest fall at ${r.steepestLr.toPrecision(2)}; ${r.points.length} steps` +
        `${r.stopped ? `, stopped: ${r.stopped}` : ''}); plot ${path.join(a.out, 'lr-find.svg')}`,
    );
  },
};
