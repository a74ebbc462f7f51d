import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CommandModule } from 'yargs';
import { aggregateStudy, allCells, EXECUTORS, loadStudy, runStudy, runStudyOnSlurm, SLURM_RULES, STUDY_FILES, STUDY_RULES, type ExecutorName } from '../../study/index.js';
import { IcmixError } from '../../util/errors.js';
import { nonNegativeInt } from '../../util/ranges.js';
import { ranged } from '../ranged.js';

interface StudyArgs {
  file: string;
  out?: string;
  jobs: number;
  'dry-run': boolean;
  quiet: boolean;
  executor: ExecutorName;
  cell?: number;
  aggregate: boolean;
  wait: boolean;
  'max-parallel'?: number;
  'cpus-per-task': number;
  mem?: string;
  time?: string;
  partition?: string;
  'sbatch-arg': string[];
  'claim-timeout'?: number;
}

/** Print the report's tables (results and the paired comparison) on stdout; the file has all. */
async function printTables(md: string): Promise<void> {
  const text = await fs.readFile(md, 'utf8');
  const start = text.indexOf('## Results');
  const end = text.indexOf('## Reliability diagrams');
  if (start >= 0) console.log(text.slice(start, end > start ? end : undefined).trim() + '\n');
  console.log(`study report: ${md}`);
}

/**
 * After a local or Slurm run: exit 130 when interrupted (undefined), else the report's tables
 * when there is a report (true) or nothing (false).
 */
async function printOutcome(r: { interrupted?: boolean; reportPaths: string[] }): Promise<boolean | undefined> {
  if (r.interrupted) {
    process.exitCode = 130;
    return undefined;
  }
  const md = r.reportPaths.find((p) => p.endsWith('.md'));
  if (md) await printTables(md);
  return md !== undefined;
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
      .option('executor', { choices: Object.keys(EXECUTORS) as ExecutorName[], default: 'local' as ExecutorName, describe: Object.entries(EXECUTORS).map(([k, v]) => `${k}: ${v}`).join('; ') })
      .option(...ranged('cell', nonNegativeInt, { describe: 'run only the cell with this index (0-based, the --dry-run order), resumably, and write no report; for Slurm/Kubernetes/LSF/PBS array tasks', group: 'Batch engines:' }))
      .option('aggregate', { type: 'boolean', default: false, describe: 'run nothing: write the study report from the cells finished in --out', group: 'Batch engines:' })
      .option(...ranged('claim-timeout', STUDY_RULES.claimTimeoutSeconds, { describe: 'seconds after which a cell claimed from another host without a heartbeat is taken over (default 300)', group: 'Batch engines:' }))
      .option('wait', { type: 'boolean', default: true, describe: 'slurm: wait for the jobs, showing progress (--no-wait: print the job ids and return)', group: 'Slurm:' })
      .option(...ranged('max-parallel', SLURM_RULES.maxParallel, { describe: 'slurm: array tasks running at once (--array=0-K%M)', group: 'Slurm:' }))
      .option(...ranged('cpus-per-task', SLURM_RULES.cpusPerTask, { default: 1, describe: 'slurm: CPUs per cell', group: 'Slurm:' }))
      .option('mem', { type: 'string', describe: "slurm: memory per cell, sbatch's --mem (e.g. 4G)", group: 'Slurm:' })
      .option('time', { type: 'string', describe: "slurm: time limit per cell, sbatch's --time (e.g. 2:00:00)", group: 'Slurm:' })
      .option('partition', { type: 'string', describe: 'slurm: partition (default: the cluster\'s default partition)', group: 'Slurm:' })
      .option('sbatch-arg', { type: 'string', array: true, default: [] as string[], describe: 'slurm: one more sbatch option, repeatable, e.g. --sbatch-arg=--account=lab --sbatch-arg=--qos=normal', group: 'Slurm:' })
      .example('$0 study studies/paper.yaml --executor slurm --max-parallel 8 --time 2:00:00 --sbatch-arg=--account=lab', 'one Slurm array task per pending cell')
      .epilogue(
        'Interrupt with Ctrl-C at any time and run the same command again: finished cells (report.json present) are kept, ' +
          'a cell in training resumes from its last epoch checkpoint, others from their last finished stage. ' +
          `Writes ${STUDY_FILES.reportMarkdown}, ${STUDY_FILES.reportJson} and reliability SVGs into the results folder, one run folder per cell under runs/. ` +
          'A study with `tune:` has learning-rate tune cells (runs/tune_*): they run before the main cells that use them (on Slurm as an array the main array waits for), and each method x protocol trains every seed at the lr with the best validation accuracy. Locally, cells run protocol by protocol (its sweeps, then its seeds, each seed across all methods), so a study stopped part-way holds whole protocols and paired seeds. ' +
          'Exit status 1 when a cell failed (its error is in runs/<cell>/error.txt), 130 when interrupted.',
      ),
  handler: async (a) => {
    if (a.cell !== undefined && (a.executor !== 'local' || a.aggregate)) throw new IcmixError('--cell runs one cell here; it does not combine with --executor slurm or --aggregate');
    const study = await loadStudy(a.file);
    const out = a.out ?? path.join('results', study.spec.name);
    const command = ['icmix', ...process.argv.slice(2)].join(' ');
    if (a.aggregate) {
      const { report, paths } = await aggregateStudy(study, out, command);
      await printTables(paths[1]);
      if (report.cells.failed.length) {
        console.error(`icmix: ${report.cells.failed.length} cell(s) failed: ${report.cells.failed.map((f) => f.id).join(', ')}; see runs/<cell>/error.txt under ${out}`);
        process.exitCode = 1;
      }
      return;
    }
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      if (a.executor === 'slurm' && !a['dry-run']) {
        const r = await runStudyOnSlurm(study, {
          out,
          noWait: !a.wait,
          quiet: a.quiet,
          maxParallel: a['max-parallel'],
          cpusPerTask: a['cpus-per-task'],
          mem: a.mem,
          time: a.time,
          partition: a.partition,
          sbatchArgs: a['sbatch-arg'],
          claimTimeoutSeconds: a['claim-timeout'],
          signal: controller.signal,
        });
        if (!a.wait) {
          if (r.arrayJobId) console.log(`array job ${r.arrayJobId} (${r.submitted.length} cells), report job ${r.aggregateJobId}`);
          else console.log('nothing to submit: every cell is finished or already queued');
          return;
        }
        if ((await printOutcome(r)) === undefined) return;
        if (r.failed.length) {
          for (const f of r.failed) console.error(`icmix: cell ${f.id} failed: ${f.error}${f.log ? `; log ${path.join(out, f.log)}` : ''}`);
          console.error(`icmix: ${r.failed.length} cell(s) did not finish; run the same command again to resubmit them (finished cells are not resubmitted)`);
          process.exitCode = 1;
        }
        return;
      }
      const result = await runStudy(study, { out, jobs: a.jobs, dryRun: a['dry-run'], command, quiet: a.quiet, signal: controller.signal, claimTimeoutSeconds: a['claim-timeout'], ...(a.cell !== undefined ? { cells: [a.cell] } : {}) });
      if (result.states) {
        for (const s of result.states) console.log(`${s.state.padEnd(8)} ${s.id}${s.stages.length && s.state !== 'finished' ? `  (done: ${s.stages.join(', ')})` : ''}`);
        const count = (st: string) => result.states!.filter((s) => s.state === st).length;
        console.log(`${result.states.length} cells: ${count('finished')} finished, ${count('partial')} partial, ${count('failed')} failed before, ${count('todo')} to do${count('running') ? `, ${count('running')} running elsewhere` : ''}${count('changed') ? `, ${count('changed')} made with other settings (delete them to redo)` : ''}; results folder ${out}`);
        return;
      }
      const printed = await printOutcome(result);
      if (printed === undefined) return;
      if (!printed && a.cell !== undefined && !result.failed.length) console.log(`cell ${a.cell} (${allCells(study)[a.cell].id}) finished in ${out}`);
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
