/** Slurm's client commands (sbatch, sinfo, squeue), with errors that say what to do. */
import { spawn } from 'node:child_process';
import { IcmixError } from '../../util/errors.js';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

const INSTALL_HINT = 'run on a Slurm login node, put Slurm\'s client commands on PATH (Debian: apt-get install slurm-client), or use --executor local (the default)';

/** Run a Slurm command; a missing program is an IcmixError naming it. */
export function slurmCommand(program: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), opts.timeoutMs ?? 60_000);
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.code === 'ENOENT') reject(new IcmixError(`${program} not found on PATH: the Slurm executor needs Slurm's ${program}; ${INSTALL_HINT}`));
      else reject(new IcmixError(`could not run ${program}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 124 : 1), stdout, stderr });
    });
  });
}

function firstLines(s: string): string {
  return s.trim().split('\n').slice(0, 3).join(' / ');
}

/**
 * Check that sbatch exists, a controller answers and the partition (when given) exists; returns
 * the cluster's partitions. Nothing is written before this passes.
 */
export async function slurmPreflight(partition?: string): Promise<string[]> {
  await slurmCommand('sbatch', ['--version']);
  const r = await slurmCommand('sinfo', ['-h', '-o', '%R'], { timeoutMs: 45_000 });
  if (r.code !== 0) {
    throw new IcmixError(
      `no Slurm controller reachable: sinfo says "${firstLines(r.stderr || r.stdout)}"; start slurmctld (for a one-node test cluster here: bash scripts/slurm-local.sh start) or point SLURM_CONF at the cluster's slurm.conf`,
    );
  }
  const partitions = [...new Set(r.stdout.split('\n').map((l) => l.trim()).filter(Boolean))];
  if (partition !== undefined && !partitions.includes(partition)) {
    throw new IcmixError(`--partition ${partition}: no such partition on this cluster (it has ${partitions.join(', ') || 'none'}); pass one of those, or leave --partition out for the default`);
  }
  return partitions;
}

/** sbatch --parsable: the job id. */
export async function sbatch(args: string[], script: string): Promise<string> {
  const r = await slurmCommand('sbatch', ['--parsable', ...args, script]);
  if (r.code !== 0) throw new IcmixError(`sbatch refused ${script}: ${firstLines(r.stderr || r.stdout)}; fix the option it names (--partition, --mem, --time, --cpus-per-task or an --sbatch-arg) and run the same command again`);
  // "<id>" or "<id>;<cluster>"
  return r.stdout.trim().split(';')[0];
}

/** Queue state of the given jobs, one entry per array task ('12_3' -> 'RUNNING'); undefined if squeue failed. */
export async function squeueStates(jobIds: string[]): Promise<Map<string, string> | undefined> {
  if (jobIds.length === 0) return new Map();
  const r = await slurmCommand('squeue', ['-h', '-r', '-j', jobIds.join(','), '-o', '%i|%T'], { timeoutMs: 45_000 });
  // squeue exits non-zero for job ids it no longer knows (all finished and purged).
  if (r.code !== 0) return /Invalid job id/i.test(r.stderr) ? new Map() : undefined;
  const states = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const [id, state] = line.trim().split('|');
    if (id && state) states.set(id, state);
  }
  return states;
}
