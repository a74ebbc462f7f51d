import type { CommandModule } from 'yargs';
import { compareRuns } from '../../infer/report/compare.js';
import { writeFileAtomic } from '../../util/atomic.js';

interface ReportArgs {
  runs: string[];
  out?: string;
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <runs..>',
  describe: 'Compare several runs\' evaluation reports in one Markdown table (methods as rows)',
  builder: (y) =>
    y
      .example('$0 report runs/*', 'one row per run folder that holds a report.json from icmix eval')
      .example('$0 report runs/ce runs/icm/report.json --out comparison.md', 'also write the table to a file')
      .positional('runs', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'run folders (holding report.json) or report.json files',
      })
      .option('out', { type: 'string', describe: 'also write the Markdown table to this file (atomically)' })
      .epilogue(
        'One table per dataset and protocol, best values bold within it. Columns: top-1 accuracy, ECE before and after temperature scaling, NLL and Brier on the ID test split; ' +
          'AUROC and FPR at 95% TPR as means over the OOD sets (max-softmax, max-logit, energy); mean accuracy over all corruptions × severities. ' +
          'Each report\'s first runtime is used; folders without a report.json are skipped with a note.',
      ),
  handler: async (args) => {
    const { markdown } = await compareRuns(args.runs, (m) => console.error(`icmix report: ${m}`));
    process.stdout.write(markdown);
    if (args.out) {
      await writeFileAtomic(args.out, markdown);
      console.error(`icmix report: wrote ${args.out}`);
    }
  },
};
