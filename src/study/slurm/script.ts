/** The batch scripts the Slurm executor submits (pure: options in, script text out). */
import { IcmixError } from '../../util/errors.js';

export interface SlurmResources {
  /** Array tasks running at once (`--array=...%M`); unlimited when absent. */
  maxParallel?: number;
  cpusPerTask: number;
  /** sbatch --mem, e.g. '4G'. */
  mem?: string;
  /** sbatch --time, e.g. '2:00:00'. */
  time?: string;
  partition?: string;
  /** Passed through as `#SBATCH <arg>` lines, e.g. '--account=lab', '--qos=high'. */
  sbatchArgs: string[];
}

export interface ArrayScriptInput extends SlurmResources {
  studyName: string;
  /** Absolute paths. */
  studyFile: string;
  out: string;
  cwd: string;
  /** Array task i runs study cell cellIndices[i]. */
  cellIndices: number[];
  /** The icmix command line (node, loader flags, main script). */
  icmix: string[];
  /** Extra `icmix study` flags for every task (e.g. --claim-timeout 300). */
  extraFlags?: string[];
  /** 'tune': the learning-rate tune cells' array (its own job name). */
  role?: 'tune' | 'main';
  /** `#SBATCH --dependency=...`, e.g. 'afterany:123' (the main array after the tune array). */
  dependency?: string;
}

/** Single-quote a word for bash. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function directives(o: SlurmResources & { jobName: string; output: string; cwd: string }, cpus: number): string[] {
  const lines = [`--job-name=${o.jobName}`, `--output=${o.output}`, `--chdir=${o.cwd}`, `--cpus-per-task=${cpus}`];
  if (o.mem !== undefined) lines.push(`--mem=${o.mem}`);
  if (o.time !== undefined) lines.push(`--time=${o.time}`);
  if (o.partition !== undefined) lines.push(`--partition=${o.partition}`);
  for (const a of o.sbatchArgs) {
    if (/[\n\r]/.test(a) || !a.startsWith('-')) throw new IcmixError(`--sbatch-arg ${JSON.stringify(a)}: pass one sbatch option per --sbatch-arg, such as --sbatch-arg=--account=lab`);
    lines.push(a);
  }
  for (const l of lines) if (/[\n\r]/.test(l)) throw new IcmixError(`a Slurm option holds a line break: ${JSON.stringify(l)}`);
  return lines.map((l) => `#SBATCH ${l}`);
}

const jobName = (name: string) => `icmix-${name.replace(/[^\w.-]/g, '_')}`;

/**
 * DIR/slurm/array.sbatch (tune-array.sbatch for the tune cells): one array task per pending
 * cell; each runs `icmix study --cell`. The main array depends on the tune array, so its cells
 * start once the learning rates are chosen.
 */
export function renderArrayScript(o: ArrayScriptInput): string {
  const k = o.cellIndices.length - 1;
  if (k < 0) throw new Error('renderArrayScript: no cells');
  const array = `--array=0-${k}${o.maxParallel !== undefined ? `%${o.maxParallel}` : ''}`;
  if (o.dependency !== undefined && !/^[a-z]+(:\d+)+$/.test(o.dependency)) throw new Error(`renderArrayScript: bad dependency ${JSON.stringify(o.dependency)}`);
  const cmd = [...o.icmix, 'study', o.studyFile, '--out', o.out, ...(o.extraFlags ?? [])].map(shellQuote).join(' ');
  return [
    '#!/bin/bash',
    `# Written by \`icmix study --executor slurm\` for study ${o.studyName}: array task i runs study cell CELLS[i].`,
    `# Rerunning that command rewrites this file and submits only the cells not finished.`,
    ...(o.role === 'tune' ? ['# The learning-rate tune cells: the main array waits for this one (afterany) and reads their choice.'] : []),
    `#SBATCH ${array}`,
    ...(o.dependency !== undefined ? [`#SBATCH --dependency=${o.dependency}`] : []),
    ...directives({ ...o, jobName: `${jobName(o.studyName)}${o.role === 'tune' ? '-tune' : ''}`, output: `${o.out}/slurm/logs/%A_%a.out` }, o.cpusPerTask),
    'set -euo pipefail',
    `CELLS=(${o.cellIndices.join(' ')})`,
    'export OMP_NUM_THREADS="${SLURM_CPUS_PER_TASK:-1}" TF_NUM_INTRAOP_THREADS="${SLURM_CPUS_PER_TASK:-1}" TF_NUM_INTEROP_THREADS=1',
    `exec ${cmd} --cell "\${CELLS[$SLURM_ARRAY_TASK_ID]}"`,
    '',
  ].join('\n');
}

/** DIR/slurm/aggregate.sbatch: writes the study report once the array has ended (afterany). */
export function renderAggregateScript(o: Omit<ArrayScriptInput, 'cellIndices'>): string {
  const cmd = [...o.icmix, 'study', o.studyFile, '--out', o.out, '--aggregate'].map(shellQuote).join(' ');
  return [
    '#!/bin/bash',
    `# Written by \`icmix study --executor slurm\`: the study report of ${o.studyName}, from the finished cells.`,
    ...directives({ ...o, jobName: `${jobName(o.studyName)}-report`, output: `${o.out}/slurm/logs/report_%j.out` }, 1),
    'set -euo pipefail',
    `exec ${cmd}`,
    '',
  ].join('\n');
}
