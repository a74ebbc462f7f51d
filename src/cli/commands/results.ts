import { promises as fs } from 'node:fs';
import type { CommandModule } from 'yargs';
import { exportCells, readCellsDir, renderResultsDoc, RESULTS_COMMAND, writeCellsFile } from '../../study/index.js';
import { writeFileAtomic } from '../../util/atomic.js';

interface ResultsArgs {
  action: 'export' | 'docs';
  from: string;
  out: string;
  check: boolean;
}

/** `icmix results`: published results rebuilt from committed per-cell metrics. */
export const resultsCommand: CommandModule<object, ResultsArgs> = {
  command: 'results <action> <from>',
  describe: 'Publish a study: export a results folder to cells.json, or write docs/results.md from the committed cells.json files',
  builder: (y) =>
    y
      .positional('action', { choices: ['export', 'docs'] as const, demandOption: true, describe: 'export: a results folder -> cells.json; docs: a folder of <study>/cells.json -> Markdown' })
      .positional('from', { type: 'string', demandOption: true, describe: 'export: the results folder (results/<study>); docs: the folder holding <study>/cells.json (docs/results)' })
      .option('out', { type: 'string', demandOption: true, describe: 'export: the cells.json to write (docs/results/<study>/cells.json); docs: the Markdown page (docs/results.md)' })
      .option('check', { type: 'boolean', default: false, describe: 'docs: write nothing; exit 1 when --out differs from what the cells give' })
      .example('$0 results export results/paper --out docs/results/paper/cells.json', 'every cell\'s config, seed, lr and metrics')
      .example(`$0 ${RESULTS_COMMAND.replace(/^icmix /, '')}`, 'the page, with its prose, from the committed cells'),
  handler: async (a) => {
    if (a.action === 'export') {
      const cells = await exportCells(a.from);
      await writeCellsFile(a.out, cells);
      console.log(`${a.out}: ${cells.cells.length} cells of study ${cells.study.name}`);
      return;
    }
    const md = renderResultsDoc(await readCellsDir(a.from));
    if (a.check) {
      const now = await fs.readFile(a.out, 'utf8').catch(() => '');
      if (now !== md) {
        console.error(`icmix: ${a.out} differs from what ${a.from}/*/cells.json give; run \`${RESULTS_COMMAND}\``);
        process.exitCode = 1;
      }
      return;
    }
    await writeFileAtomic(a.out, md);
    console.log(`${a.out} written from ${a.from}`);
  },
};
