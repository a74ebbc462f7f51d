/**
 * DIR/slurm/submissions.jsonl: one line per `--executor slurm` submission (job ids, which study
 * cell each array task runs), so later invocations know what is queued and the report can link
 * every cell to its Slurm log.
 */
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseJsonLines } from '../../util/jsonl.js';

export const SLURM_DIR = 'slurm';
export const SUBMISSIONS_FILE = 'submissions.jsonl';

export interface Submission {
  submittedAt: string;
  arrayJobId: string;
  aggregateJobId: string;
  /** Array task id -> study cell. */
  tasks: Array<{ task: number; index: number; cell: string }>;
  /** The tune cells' array of this submission, when it had pending tune cells (arrayJobId depends on it). */
  tune?: { arrayJobId: string; tasks: Array<{ task: number; index: number; cell: string }> };
}

/** Every array of a submission: [array job id, its tasks], the tune array first. */
export function submissionArrays(sub: Submission): Array<[string, Submission['tasks']]> {
  return [...(sub.tune ? [[sub.tune.arrayJobId, sub.tune.tasks] as [string, Submission['tasks']]] : []), ...(sub.arrayJobId ? [[sub.arrayJobId, sub.tasks] as [string, Submission['tasks']]] : [])];
}

export function slurmDir(out: string): string {
  return path.join(out, SLURM_DIR);
}

/** A task's log, relative to the results folder (sbatch --output=%A_%a.out). */
export function taskLog(arrayJobId: string, task: number): string {
  return path.join(SLURM_DIR, 'logs', `${arrayJobId}_${task}.out`);
}

export async function readSubmissions(out: string): Promise<Submission[]> {
  const text = await fs.readFile(path.join(slurmDir(out), SUBMISSIONS_FILE), 'utf8').catch(() => '');
  return parseJsonLines<Submission>(text);
}

export async function appendSubmission(out: string, sub: Submission): Promise<void> {
  await fs.mkdir(slurmDir(out), { recursive: true });
  await fs.appendFile(path.join(slurmDir(out), SUBMISSIONS_FILE), JSON.stringify(sub) + '\n');
}

/** Each cell's Slurm task logs that exist, oldest submission first (paths relative to `out`). */
export async function slurmCellLogs(out: string, cellIds: readonly string[]): Promise<Record<string, string[]>> {
  const wanted = new Set(cellIds);
  const logs: Record<string, string[]> = {};
  for (const sub of await readSubmissions(out)) {
    for (const [job, tasks] of submissionArrays(sub)) {
      for (const t of tasks) {
        const rel = taskLog(job, t.task);
        if (!wanted.has(t.cell) || !existsSync(path.join(out, rel))) continue;
        (logs[t.cell] ??= []).push(rel);
      }
    }
  }
  return logs;
}
