/**
 * The Slurm tests' cluster: the one already answering, or a one-node cluster started here with
 * scripts/slurm-local.sh (and stopped again by stopOurCluster). Never skipped: without Slurm
 * installed the tests fail and say how to install it.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const script = path.join(root, 'scripts', 'slurm-local.sh');

function controllerUp(): boolean {
  const r = spawnSync('scontrol', ['ping'], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 && /is UP/.test(r.stdout);
}

/** Make sure a controller answers; true when this call started the cluster. */
export function ensureSlurm(): boolean {
  if (spawnSync('sbatch', ['--version']).error) {
    throw new Error(
      `Slurm is not installed (no sbatch on PATH${process.env.CI === 'true' ? '; CI must install it: .ci/run runs scripts/slurm-local.sh install and start' : ''}). ` +
        'Install it with: bash scripts/slurm-local.sh install (apt-get install -y slurm-wlm munge); the tests then start a one-node cluster themselves.',
    );
  }
  if (controllerUp()) return false;
  const r = spawnSync('bash', [script, 'start'], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`scripts/slurm-local.sh start failed (status ${r.status}):\n${r.stderr}${r.stdout}`);
  if (!controllerUp()) throw new Error(`scripts/slurm-local.sh start finished but no controller answers:\n${r.stderr}`);
  return true;
}

/** Stop the daemons ensureSlurm started (only those: the script records their pids). */
export function stopOurCluster(started: boolean): void {
  if (!started) return;
  const r = spawnSync('bash', [script, 'stop'], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`scripts/slurm-local.sh stop failed:\n${r.stderr}`);
}

/** The jobcomp/filetxt file of the running cluster (one line per finished job). */
export function jobCompFile(): string {
  const r = spawnSync('scontrol', ['show', 'config'], { encoding: 'utf8' });
  const m = /^JobCompLoc\s*=\s*(\S+)/m.exec(r.stdout);
  const type = /^JobCompType\s*=\s*(\S+)/m.exec(r.stdout)?.[1];
  if (!m || type !== 'jobcomp/filetxt') throw new Error(`the cluster has no jobcomp/filetxt file (JobCompType ${type}); start one with scripts/slurm-local.sh`);
  return m[1];
}
