/**
 * Cell claims: any number of runners (local processes, Slurm tasks, machines sharing the results
 * folder) run a study's cells without ever running one twice. A runner owns a cell while its
 * claim file `claims/<cell>.json` exists with the runner's token; the file is created with
 * O_EXCL (atomic on a local filesystem and on NFSv3+), refreshed by a heartbeat, and removed
 * when the cell ends. A claim whose holder is gone is taken over: on the same host when its pid
 * is no longer alive, from any other host when its heartbeat is older than the timeout.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeJsonAtomic } from '../util/atomic.js';

/** How often a holder refreshes its claim. */
export const CLAIM_HEARTBEAT_SECONDS = 30;
/**
 * A claim from another host whose heartbeat is older than this is taken over. Ten heartbeats:
 * room for a busy filesystem and modest clock skew between hosts (keep clocks in sync with NTP).
 */
export const CLAIM_TIMEOUT_SECONDS = 300;

export interface ClaimRecord {
  host: string;
  pid: number;
  /** When the claim was taken (ISO). */
  startedAt: string;
  /** Last refresh (ISO); readers on other hosts compare it with the timeout. */
  heartbeatAt: string;
  /** Unique per claim, so a holder never refreshes or removes a claim that was taken over. */
  token: string;
  /** The Slurm job holding it, when run as a Slurm task (for the reader's information). */
  slurmJob?: string;
}

export type ClaimHolder = { live: boolean; record: ClaimRecord; why: string };

export function claimsDir(out: string): string {
  return path.join(out, 'claims');
}

function claimFile(out: string, cellId: string): string {
  return path.join(claimsDir(out), `${cellId}.json`);
}

function readClaim(file: string): ClaimRecord | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ClaimRecord;
  } catch {
    return undefined;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, owned by someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a claim's holder is still there, and why we think so. */
export function holderLiveness(record: ClaimRecord, timeoutSeconds = CLAIM_TIMEOUT_SECONDS, now = Date.now()): ClaimHolder {
  if (record.host === os.hostname()) {
    const live = pidAlive(record.pid);
    return { live, record, why: live ? `pid ${record.pid} is alive on this host` : `pid ${record.pid} is gone from this host` };
  }
  const age = (now - Date.parse(record.heartbeatAt)) / 1000;
  const live = Number.isFinite(age) && age <= timeoutSeconds;
  return { live, record, why: `heartbeat ${Math.round(age)} s old (timeout ${timeoutSeconds} s)` };
}

/** Who holds a cell now (undefined: nobody, or a claim file that cannot be read yet). */
export function claimHolder(out: string, cellId: string, timeoutSeconds?: number): ClaimHolder | undefined {
  const record = readClaim(claimFile(out, cellId));
  return record ? holderLiveness(record, timeoutSeconds) : undefined;
}

/** A claim this runner holds; release() removes it, unless it was taken over meanwhile. */
export class CellClaim {
  private timer?: NodeJS.Timeout;

  constructor(
    readonly out: string,
    readonly cellId: string,
    readonly record: ClaimRecord,
    heartbeatSeconds: number,
  ) {
    this.timer = setInterval(() => void this.heartbeat(), heartbeatSeconds * 1000);
    this.timer.unref();
  }

  private ours(): boolean {
    return readClaim(claimFile(this.out, this.cellId))?.token === this.record.token;
  }

  async heartbeat(): Promise<void> {
    if (!this.ours()) return;
    await writeJsonAtomic(claimFile(this.out, this.cellId), { ...this.record, heartbeatAt: new Date().toISOString() }).catch(() => undefined);
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.ours()) await fs.rm(claimFile(this.out, this.cellId), { force: true });
  }
}

export interface ClaimOptions {
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
}

async function createExclusive(file: string, record: ClaimRecord): Promise<boolean> {
  try {
    const fh = await fs.open(file, 'wx');
    try {
      await fh.writeFile(JSON.stringify(record, null, 2) + '\n');
    } finally {
      await fh.close();
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Try to claim a cell: the claim, or the live holder that has it. A claim whose holder is gone is
 * taken over under a short-lived takeover lock (mkdir is atomic), so two runners that both find
 * the same dead claim cannot both take it.
 */
export async function tryClaim(out: string, cellId: string, opts: ClaimOptions = {}): Promise<CellClaim | ClaimHolder> {
  const dir = claimsDir(out);
  await fs.mkdir(dir, { recursive: true });
  const file = claimFile(out, cellId);
  const now = new Date().toISOString();
  const slurmJob = process.env.SLURM_ARRAY_JOB_ID ? `${process.env.SLURM_ARRAY_JOB_ID}_${process.env.SLURM_ARRAY_TASK_ID}` : process.env.SLURM_JOB_ID;
  const record: ClaimRecord = { host: os.hostname(), pid: process.pid, startedAt: now, heartbeatAt: now, token: randomBytes(12).toString('hex'), ...(slurmJob ? { slurmJob } : {}) };
  const heartbeat = opts.heartbeatSeconds ?? CLAIM_HEARTBEAT_SECONDS;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await createExclusive(file, record)) return new CellClaim(out, cellId, record, heartbeat);
    const existing = readClaim(file);
    if (!existing) {
      // Being written by its creator right now (or removed): look again shortly.
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    const holder = holderLiveness(existing, opts.timeoutSeconds);
    if (holder.live) return holder;
    const lock = `${file}.takeover`;
    try {
      await fs.mkdir(lock);
    } catch {
      // Another runner is taking it over; a lock left by a runner that died mid-takeover expires.
      const st = await fs.stat(lock).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > 60_000) await fs.rm(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    try {
      // Still the same dead claim? Then remove it and claim afresh.
      if (readClaim(file)?.token === existing.token) await fs.rm(file, { force: true });
      if (await createExclusive(file, record)) return new CellClaim(out, cellId, record, heartbeat);
    } finally {
      await fs.rm(lock, { recursive: true, force: true });
    }
  }
  const holder = claimHolder(out, cellId, opts.timeoutSeconds);
  return holder ?? { live: true, record, why: 'claim file busy' };
}

export function isClaim(x: CellClaim | ClaimHolder): x is CellClaim {
  return x instanceof CellClaim;
}

/** Describe a holder for messages: "host vm, pid 123 (Slurm 45_1), since ...". */
export function describeHolder(h: ClaimHolder): string {
  const r = h.record;
  return `host ${r.host}, pid ${r.pid}${r.slurmJob ? ` (Slurm job ${r.slurmJob})` : ''}, since ${r.startedAt}`;
}

export function hasClaimFile(out: string, cellId: string): boolean {
  return existsSync(claimFile(out, cellId));
}
