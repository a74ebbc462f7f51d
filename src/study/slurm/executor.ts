/**
 * `icmix study --executor slurm`: the study's pending cells as one Slurm job array (each task
 * runs `icmix study FILE --out DIR --cell <index>`), then a report job that depends on it
 * (afterany). Pending learning-rate tune cells go in an array of their own that the main array
 * depends on (afterany). By default it waits, printing progress from the results folder and squeue, and
 * names every cell that did not finish with its log.
 */
import { existsSync, promises as fs, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../../util/atomic.js';
import { IcmixError } from '../../util/errors.js';
import { checkOptions, positive, positiveInt, type RuleTable } from '../../util/ranges.js';
import { checkStudyFolder, writeStudyFile } from '../folder.js';
import { childExecArgv } from '../node-args.js';
import { aggregateStudy, cellDir, studyCellStates, STUDY_FILES } from '../runner.js';
import type { StudyReport } from '../report.js';
import { CELL_FILES, type Study } from '../types.js';
import { sbatch, slurmPreflight, squeueStates } from './commands.js';
import { renderAggregateScript, renderArrayScript, type SlurmResources } from './script.js';
import { appendSubmission, readSubmissions, slurmDir, submissionArrays, taskLog, type Submission } from './submissions.js';

export interface SlurmStudyOptions extends SlurmResources {
  out: string;
  /** Return after submitting. */
  noWait?: boolean;
  /** Progress lines (default stderr). */
  write?: (s: string) => void;
  quiet?: boolean;
  pollMs?: number;
  claimTimeoutSeconds?: number;
  /** The icmix command tasks run (default: this node with the CLI next to this module). */
  icmix?: string[];
  signal?: AbortSignal;
}

/** The allowed range of every numeric Slurm-executor option (the CLI's flags use the same table). */
export const SLURM_RULES: RuleTable<SlurmStudyOptions> = {
  maxParallel: positiveInt,
  cpusPerTask: positiveInt,
  pollMs: positiveInt,
  claimTimeoutSeconds: positive,
};

export interface SlurmStudyResult {
  out: string;
  /** Cells submitted now (ids). */
  submitted: string[];
  arrayJobId?: string;
  aggregateJobId?: string;
  /** Cells that did not finish, with why and their Slurm log (relative to out). */
  failed: Array<{ id: string; error: string; log?: string }>;
  interrupted: boolean;
  report?: StudyReport;
  reportPaths: string[];
}

/** node + loader flags + this package's CLI, as the tasks will run it. */
export function defaultIcmixCommand(): string[] {
  const here = fileURLToPath(import.meta.url);
  const ext = path.extname(here);
  const main = path.resolve(path.dirname(here), '..', '..', 'cli', `main${ext}`);
  return [process.execPath, ...childExecArgv(ext), main];
}

/** Array tasks of earlier submissions still queued or running: task key -> cell id. */
async function activeEarlierTasks(subs: Submission[]): Promise<Map<string, string>> {
  const active = new Map<string, string>();
  if (!subs.length) return active;
  const states = await squeueStates(subs.flatMap((s) => submissionArrays(s).map(([job]) => job)));
  for (const s of subs) for (const [job, tasks] of submissionArrays(s)) for (const t of tasks) if (states?.has(`${job}_${t.task}`)) active.set(`${job}_${t.task}`, t.cell);
  return active;
}

/** The array task of this submission that runs `cellId`, with its array job id. */
function subTask(sub: Submission | undefined, cellId: string): { job: string; task: number } | undefined {
  for (const [job, tasks] of sub ? submissionArrays(sub) : []) {
    const t = tasks.find((x) => x.cell === cellId);
    if (t) return { job, task: t.task };
  }
  return undefined;
}

export async function runStudyOnSlurm(study: Study, opts: SlurmStudyOptions): Promise<SlurmStudyResult> {
  checkOptions(opts, SLURM_RULES, 'study (slurm)');
  const out = path.resolve(opts.out);
  const write = opts.quiet ? () => undefined : (opts.write ?? ((s: string) => process.stderr.write(s)));
  if (!study.file) throw new IcmixError('the Slurm executor needs the study as a file (its tasks read it); pass a study file path');
  const studyFile = path.resolve(study.file);
  // Everything that can refuse runs before anything is written.
  await checkStudyFolder(study, out, { exact: false });
  await slurmPreflight(opts.partition);
  const earlier = await readSubmissions(out);
  const active = await activeEarlierTasks(earlier);
  const activeCells = new Set(active.values());
  const states = await studyCellStates(study, out, opts.claimTimeoutSeconds);
  const pending = states.map((s, index) => ({ ...s, index })).filter((s) => s.state !== 'finished' && s.state !== 'changed' && s.state !== 'running' && !activeCells.has(s.cell.id));
  const changed = states.filter((s) => s.state === 'changed');
  for (const c of changed) write(`${c.cell.id}: not submitted: ${cellDir(out, c.cell)} was made with other settings (the study file changed); delete it to redo the cell\n`);
  const finished = states.filter((s) => s.state === 'finished').length;
  write(`study ${study.spec.name}: ${finished} of ${states.length} cells finished in ${out}` + (active.size ? `, ${active.size} still queued from an earlier submission` : '') + `; submitting ${pending.length}\n`);

  await writeStudyFile(study, out);
  await fs.mkdir(path.join(slurmDir(out), 'logs'), { recursive: true });
  const icmix = opts.icmix ?? defaultIcmixCommand();
  const common = { studyName: study.spec.name, studyFile, out, cwd: process.cwd(), icmix, cpusPerTask: opts.cpusPerTask, maxParallel: opts.maxParallel, mem: opts.mem, time: opts.time, partition: opts.partition, sbatchArgs: opts.sbatchArgs };
  const extraFlags = opts.claimTimeoutSeconds !== undefined ? ['--claim-timeout', String(opts.claimTimeoutSeconds)] : [];
  let sub: Submission | undefined;
  if (pending.length) {
    // Tune cells go in their own array and the main cells' array waits for it (afterany: a main
    // cell whose tune cells failed then fails at once, naming them, and a rerun resubmits both).
    const tunePending = pending.filter((p) => p.cell.tune);
    const mainPending = pending.filter((p) => !p.cell.tune);
    const split = tunePending.length > 0 && mainPending.length > 0;
    const main = split ? mainPending : pending;
    const submittedAt = new Date().toISOString();
    let tune: Submission['tune'];
    if (split) {
      const tuneScript = path.join(slurmDir(out), 'tune-array.sbatch');
      await writeFileAtomic(tuneScript, renderArrayScript({ ...common, cellIndices: tunePending.map((p) => p.index), extraFlags, role: 'tune' }));
      const tuneJob = await sbatch([], tuneScript);
      tune = { arrayJobId: tuneJob, tasks: tunePending.map((p, task) => ({ task, index: p.index, cell: p.cell.id })) };
      write(`submitted tune array job ${tuneJob} (${tunePending.length} learning-rate tune cell${tunePending.length > 1 ? 's' : ''})\n`);
    }
    // Tune tasks still queued from an earlier submission count as well.
    const tuneIds = new Set(study.tuneCells.map((c) => c.id));
    const earlierTuneJobs = [...active.entries()].filter(([, cell]) => tuneIds.has(cell)).map(([k]) => k.split('_')[0]);
    const after = [...new Set([...(tune ? [tune.arrayJobId] : []), ...(mainPending.length ? earlierTuneJobs : [])])];
    const arrayScript = path.join(slurmDir(out), 'array.sbatch');
    const aggScript = path.join(slurmDir(out), 'aggregate.sbatch');
    await writeFileAtomic(arrayScript, renderArrayScript({ ...common, cellIndices: main.map((p) => p.index), extraFlags, ...(after.length ? { dependency: `afterany:${after.join(':')}` } : {}) }));
    await writeFileAtomic(aggScript, renderAggregateScript(common));
    const arrayJobId = await sbatch([], arrayScript);
    const aggregateJobId = await sbatch([`--dependency=afterany:${arrayJobId}`], aggScript);
    sub = { submittedAt, arrayJobId, aggregateJobId, tasks: main.map((p, task) => ({ task, index: p.index, cell: p.cell.id })), ...(tune ? { tune } : {}) };
    await appendSubmission(out, sub);
    write(`submitted array job ${arrayJobId} (${main.length} task${main.length > 1 ? 's' : ''})${after.length ? ` after job ${after.join(', ')}` : ''} and report job ${aggregateJobId}; logs in ${path.join(slurmDir(out), 'logs')}\n`);
  }
  const result: SlurmStudyResult = { out, submitted: pending.map((p) => p.cell.id), ...(sub ? { arrayJobId: sub.arrayJobId, aggregateJobId: sub.aggregateJobId } : {}), failed: [], interrupted: false, reportPaths: [] };
  if (opts.noWait) return result;

  const watched = [...new Set([...(sub ? [...(sub.tune ? [sub.tune.arrayJobId] : []), sub.arrayJobId, sub.aggregateJobId] : []), ...[...active.keys()].map((k) => k.split('_')[0])])];
  let last = '';
  let squeueFailures = 0;
  for (;;) {
    if (opts.signal?.aborted) {
      write(`stopped waiting; the Slurm jobs (${watched.join(', ')}) keep running. Run the same command again to wait for them; done cells are not resubmitted\n`);
      return { ...result, interrupted: true };
    }
    const queue = await squeueStates(watched);
    if (!queue) {
      if (++squeueFailures >= 10) throw new IcmixError(`lost contact with the Slurm controller (squeue failed 10 times); jobs ${watched.join(', ')} may still run: run the same command again to wait for them`);
    } else {
      squeueFailures = 0;
      const now = await studyCellStates(study, out, opts.claimTimeoutSeconds);
      const taskState = (cellId: string) => {
        const t = subTask(sub, cellId);
        if (t) return queue.get(`${t.job}_${t.task}`);
        for (const [k, c] of active) if (c === cellId) return queue.get(k);
        return undefined;
      };
      let done = 0, running = 0, waiting = 0, failed = 0;
      for (const s of now) {
        const q = taskState(s.cell.id);
        if (s.state === 'finished') done++;
        else if (q === 'RUNNING' || q === 'COMPLETING' || s.state === 'running') running++;
        else if (q) waiting++;
        else if (s.state === 'changed' || s.state === 'failed' || result.submitted.includes(s.cell.id)) failed++;
        else waiting++;
      }
      const line = `slurm: ${done}/${now.length} cells done, ${running} running, ${waiting} pending, ${failed} failed`;
      if (line !== last) write(`${line}\n`);
      last = line;
      if (![...queue.keys()].length) break;
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 3000));
  }

  // Every watched job has left the queue.
  const finalStates = await studyCellStates(study, out, opts.claimTimeoutSeconds);
  for (const s of finalStates) {
    if (s.state === 'finished') continue;
    const t = subTask(sub, s.cell.id);
    const log = t ? taskLog(t.job, t.task) : undefined;
    if (!t && s.state !== 'changed' && !activeCells.has(s.cell.id)) continue;
    const errFile = path.join(cellDir(out, s.cell), CELL_FILES.error);
    const error = s.state === 'changed' ? 'made with other settings (the study file changed)' : existsSync(errFile) ? (await fs.readFile(errFile, 'utf8')).trim().split('\n')[0] : 'its Slurm task ended without finishing the cell (cancelled, out of time or out of memory?)';
    result.failed.push({ id: s.cell.id, error, ...(log ? { log } : {}) });
  }
  const reportJson = path.join(out, STUDY_FILES.reportJson);
  // The report job's report: written after this submission.
  const fresh = sub !== undefined && existsSync(reportJson) && statSync(reportJson).mtimeMs >= Date.parse(sub.submittedAt) - 1000;
  if (sub && !fresh) {
    throw new IcmixError(`report job ${sub.aggregateJobId} did not write ${reportJson}; see ${path.join(slurmDir(out), 'logs', `report_${sub.aggregateJobId}.out`)}, then run the same command again`);
  }
  if (!sub) {
    // Nothing was submitted now: write the report here.
    const r = await aggregateStudy(study, out, ['icmix', 'study', study.file, '--out', opts.out, '--executor', 'slurm'].join(' '));
    return { ...result, report: r.report, reportPaths: r.paths };
  }
  const report = JSON.parse(await fs.readFile(reportJson, 'utf8')) as StudyReport;
  return { ...result, report, reportPaths: [reportJson, path.join(out, STUDY_FILES.reportMarkdown)] };
}
