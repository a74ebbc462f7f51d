import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CommandModule } from 'yargs';
import { loadStudy, runStudy, STUDY_FILES, STUDY_RULES } from '../../study/index.js';
import { ranged } from '../ranged.js';

interface StudyArgs {
  file: string;
  out?: string;
  jobs: number;
  'dry-run': boolean;
  quiet: boolean;
}

export const studyCommand: CommandModule<object, StudyArgs> = {
  command: 'study <file>',
  describe: 'Run a study: every dataset x protocol x method x seed cell trained, exported, calibrated and evaluated, then one comparison report',
  builder: (y) =>
    y
      .example('$0 study studies/quick.yaml', 'a few minutes: results/quick/study-report.md')
      .example('$0 study studies/paper.yaml --jobs 2', 'two cells at a time, one thread each')
      .example('$0 study studies/paper.yaml --dry-run', 'list the cells and which are finished')
      .positional('file', { type: 'string', demandOption: true, describe: 'study file (.yaml or .json; schema in schemas/study.schema.json)' })
      .option('out', { type: 'string', describe: 'results folder (default results/<study name>)' })
      .option(...ranged('jobs', STUDY_RULES.jobs, { default: 1, describe: 'cells run at once, each in its own process with one compute thread' }))
      .option('dry-run', { type: 'boolean', default: false, describe: 'list the cells and their state without running anything' })
      .option('quiet', { type: 'boolean', default: false, describe: 'no progress on stderr' })
      .epilogue(
        'Interrupt with Ctrl-C at any time and run the same command again: finished cells (report.json present) are kept, ' +
          'a cell in training resumes from its last epoch checkpoint, others from their last finished stage. ' +
          `Writes ${STUDY_FILES.reportMarkdown}, ${STUDY_FILES.reportJson} and reliability SVGs into the results folder, one run folder per cell under runs/. ` +
          'Exit status 1 when a cell failed (its error is in runs/<cell>/error.txt), 130 when interrupted.',
      ),
  handler: async (a) => {
    const study = await loadStudy(a.file);
    const out = a.out ?? path.join('results', study.spec.name);
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      const command = ['icmix', ...process.argv.slice(2)].join(' ');
      const result = await runStudy(study, { out, jobs: a.jobs, dryRun: a.dryRun, command, quiet: a.quiet, signal: controller.signal });
      if (result.states) {
        for (const s of result.states) console.log(`${s.state.padEnd(8)} ${s.id}${s.stages.length && s.state !== 'finished' ? `  (done: ${s.stages.join(', ')})` : ''}`);
        const count = (st: string) => result.states!.filter((s) => s.state === st).length;
        console.log(`${result.states.length} cells: ${count('finished')} finished, ${count('partial')} partial, ${count('failed')} failed before, ${count('todo')} to do${count('changed') ? `, ${count('changed')} made with other settings (delete them to redo)` : ''}; results folder ${out}`);
        return;
      }
      if (result.interrupted) {
        process.exitCode = 130;
        return;
      }
      const md = result.reportPaths.find((p) => p.endsWith('.md'));
      if (md) {
        // The tables (results and the paired ICM-vs-Mixup comparison) on stdout; the file has all.
        const text = await fs.readFile(md, 'utf8');
        const start = text.indexOf('## Results');
        const end = text.indexOf('## Reliability diagrams');
        if (start >= 0) console.log(text.slice(start, end > start ? end : undefined).trim() + '\n');
        console.log(`study report: ${md}`);
      }
      if (result.failed.length) {
        console.error(`icmix: ${result.failed.length} cell(s) failed: ${result.failed.map((f) => f.id).join(', ')}; see runs/<cell>/error.txt under ${out}`);
        process.exitCode = 1;
      }
    } finally {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
    }
  },
};
