import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, promises as fs } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readReport } from '../infer/report/read.js';
import type { EvalReport, ReliabilityBin } from '../infer/report/types.js';
import { hasCheckpoint } from '../run/index.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { IcmixError } from '../util/errors.js';
import { parseJsonLines } from '../util/jsonl.js';
import { cellMetrics, poolReliability } from './metrics.js';
import { cellChanged, cellStages, changedCellMessage, isCellFinished, readStagesDone, runCell } from './pipeline.js';
import { allCells } from './cells.js';
import { collectTraining, collectTuning } from './health.js';
import { StudyProgress } from './progress.js';
import { machineInfo, studyVersions } from './provenance.js';
import { buildStudyReport, renderStudyMarkdown, type StudyProvenance, type StudyReport } from './report.js';
import { claimHolder, describeHolder, isClaim, tryClaim, type CellClaim } from './claim.js';
import { slurmCellLogs } from './slurm/submissions.js';
import { checkStudyFolder, writeStudyFile } from './folder.js';
import { childExecArgv } from './node-args.js';
import { sideBySideReliabilitySvg } from './svg.js';
import { runOrder } from './order.js';
import { CELL_FILES, STAGES, type Cell, type CellMetrics, type Study } from './types.js';
import type { FromCellProcess, ToCellProcess } from './cell-process.js';
import { checkOptions, nonNegativeInt, positive, positiveInt, type RuleTable } from '../util/ranges.js';

/** Files in a study's results folder. */
export const STUDY_FILES = {
  /** The resolved study (spec, protocols, cells) of the last invocation. */
  study: 'study.json',
  runs: 'runs',
  reportJson: 'study-report.json',
  reportMarkdown: 'study-report.md',
  invocations: 'invocations.jsonl',
  workerLog: 'worker.log',
} as const;

export interface RunStudyOptions {
  /** Results folder. */
  out: string;
  /** Cells run at once (default 1). */
  jobs?: number;
  /** List the cells and their state; run nothing. */
  dryRun?: boolean;
  /** The command line, recorded in the report. */
  command?: string;
  quiet?: boolean;
  /** Run cells in this process, one at a time, instead of child processes (library use). */
  inProcess?: boolean;
  /** Abort (Ctrl-C): running cells are stopped, finished work is kept. */
  signal?: AbortSignal;
  /** stderr writer for progress (default process.stderr). */
  write?: (s: string) => void;
  /** Run only these cells (indices into study.cells) and write no study report (`--cell`). */
  cells?: number[];
  /** Seconds after which another host's claim without a heartbeat is taken over. */
  claimTimeoutSeconds?: number;
  /** How often to look again at cells other runners hold (default 2000 ms). */
  pollMs?: number;
}

/** The allowed range of every numeric study-run option (the CLI's flags use the same table). */
export const STUDY_RULES: RuleTable<RunStudyOptions> = {
  jobs: positiveInt,
  cells: { ...nonNegativeInt, list: true },
  claimTimeoutSeconds: positive,
  pollMs: positiveInt,
};

/**
 * 'changed': the folder holds this cell made with other settings; it is neither used nor redone.
 * 'running': another runner holds the cell's claim now.
 */
export type CellState = 'finished' | 'partial' | 'todo' | 'failed' | 'changed' | 'running';

export interface StudyResult {
  out: string;
  /** Cells finished before this invocation (skipped). */
  skipped: string[];
  /** Cells run to completion now. */
  ran: string[];
  failed: Array<{ id: string; error: string }>;
  interrupted: boolean;
  /** Absent on a dry run or when interrupted. */
  report?: StudyReport;
  reportPaths: string[];
  /** Dry run: every cell's state. */
  states?: Array<{ id: string; state: CellState; stages: string[] }>;
}

export function cellDir(out: string, cell: Cell): string {
  return path.join(path.resolve(out), STUDY_FILES.runs, cell.id);
}

/** Where cell-process.ts (one child process per running cell) is: next to this module, as .ts under tsx and .js once compiled. */
function cellProcessEntry(): { file: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  const ext = path.extname(here);
  const file = path.join(path.dirname(here), `cell-process${ext}`);
  return { file, execArgv: childExecArgv(ext) };
}

async function cellState(cell: Cell, dir: string, out: string, timeout?: number): Promise<{ state: CellState; stages: string[] }> {
  if (cellChanged(cell, dir)) return { state: 'changed', stages: [] };
  if (isCellFinished(dir)) return { state: 'finished', stages: [...cellStages(cell)] };
  const done = Object.keys(await readStagesDone(dir));
  if (claimHolder(out, cell.id, timeout)?.live) return { state: 'running', stages: done };
  if (existsSync(path.join(dir, CELL_FILES.error))) return { state: 'failed', stages: done };
  const started = done.length > 0 || hasCheckpoint(dir);
  return { state: started ? 'partial' : 'todo', stages: done };
}

const CRASH_SIGNALS: ReadonlySet<string> = new Set(['SIGSEGV', 'SIGBUS', 'SIGILL', 'SIGFPE', 'SIGABRT']);

/** Run one cell in a child process; resolves with its outcome (never rejects). */
function runCellInChild(cell: Cell, dir: string, threads: number | undefined, parallel: boolean, progress: StudyProgress, children: Set<ChildProcess>): Promise<{ ok: boolean; error?: string; killed?: boolean }> {
  return new Promise((resolve) => {
    const { file, execArgv } = cellProcessEntry();
    const log = openSync(path.join(dir, STUDY_FILES.workerLog), 'a');
    // Cells that share the cores get their share of compute threads: OpenMP's, and the native
    // TensorFlow engine's pools (it reads these when its library loads).
    const share = String(threads ?? 1);
    const env = parallel ? { ...process.env, OMP_NUM_THREADS: share, TF_NUM_INTRAOP_THREADS: share, TF_NUM_INTEROP_THREADS: '1' } : process.env;
    const child = fork(file, [], { execArgv, env, stdio: ['ignore', log, log, 'ipc'] });
    closeSync(log);
    children.add(child);
    let result: { ok: boolean; error?: string } | undefined;
    child.on('message', (m: FromCellProcess) => {
      if (m.type === 'stage') progress.stage(cell.id, m.stage, m.detail, m.line);
      else if (m.type === 'done') result = { ok: true };
      else if (m.type === 'failed') result = { ok: false, error: m.message };
    });
    child.on('error', (err) => {
      result ??= { ok: false, error: `could not start the worker: ${err.message}` };
    });
    child.on('exit', (code, sig) => {
      children.delete(child);
      if (result) return resolve(result);
      // A fault signal is a crash in native code (TensorFlow's library on the tensorflow engine):
      // a failure to report, not an interruption; training resumes from its last checkpoint.
      if (sig && CRASH_SIGNALS.has(sig)) return resolve({ ok: false, error: `the cell's process crashed (${sig}), inside native code (with train.backend tensorflow, TensorFlow's library); its last epoch checkpoint is kept: rerun the study to resume it, or train the cell on another engine (train.backend: wasm)` });
      if (sig) return resolve({ ok: false, killed: true, error: `worker stopped by ${sig}` });
      resolve({ ok: false, error: `worker exited with code ${code} without a result; see ${path.join(dir, STUDY_FILES.workerLog)}` });
    });
    const msg: ToCellProcess = { type: 'run', cell, runDir: dir, threads };
    child.send(msg);
  });
}

/**
 * Every cell's state in a results folder (what `--dry-run` lists; the Slurm executor's progress),
 * tune cells first, in `--cell` index order.
 */
export async function studyCellStates(study: Study, out: string, timeoutSeconds?: number): Promise<Array<{ cell: Cell; state: CellState; stages: string[] }>> {
  const abs = path.resolve(out);
  return Promise.all(allCells(study).map(async (c) => ({ cell: c, ...(await cellState(c, cellDir(abs, c), abs, timeoutSeconds)) })));
}

/** Cells whose folder holds an error.txt: failed, and not finished since. */
export async function failedCells(study: Study, out: string): Promise<Array<{ id: string; error: string }>> {
  const failed: Array<{ id: string; error: string }> = [];
  for (const c of allCells(study)) {
    const dir = cellDir(out, c);
    if (isCellFinished(dir)) continue;
    const text = await fs.readFile(path.join(dir, CELL_FILES.error), 'utf8').catch(() => undefined);
    if (text !== undefined) failed.push({ id: c.id, error: text.trim() });
  }
  return failed;
}

/** Read every finished cell's report. */
export async function collectReports(study: Study, out: string): Promise<Map<string, EvalReport>> {
  const reports = new Map<string, EvalReport>();
  for (const c of study.cells) {
    const dir = cellDir(out, c);
    if (isCellFinished(dir) && !cellChanged(c, dir)) reports.set(c.id, (await readReport(dir)).report);
  }
  return reports;
}

async function readInvocations(file: string): Promise<StudyProvenance['invocations']> {
  return parseJsonLines(await fs.readFile(file, 'utf8').catch(() => ''));
}

/**
 * Record one invocation. Appended (one write of one short line, O_APPEND), because several
 * runners may finish at once on the same folder and a read-modify-write would lose entries.
 */
async function appendInvocation(out: string, entry: StudyProvenance['invocations'][number]): Promise<void> {
  await fs.appendFile(path.join(out, STUDY_FILES.invocations), JSON.stringify(entry) + '\n');
}

/**
 * Aggregate the finished cells into study-report.json / .md and side-by-side reliability SVGs of
 * the compared methods, all written atomically into `out`.
 */
export async function writeStudyReport(
  study: Study,
  out: string,
  info: { command: string; wallSeconds: number; failed: Array<{ id: string; error: string }> },
): Promise<{ report: StudyReport; paths: string[] }> {
  const reports = await collectReports(study, out);
  const metrics = new Map<string, CellMetrics>();
  for (const [id, r] of reports) metrics.set(id, cellMetrics(r, study.reportedOod[study.cells.find((c) => c.id === id)!.dataset]));
  let cellSeconds = 0;
  for (const c of study.cells) {
    if (!reports.has(c.id)) continue;
    for (const s of Object.values(await readStagesDone(cellDir(out, c)))) cellSeconds += s?.seconds ?? 0;
  }
  const paths: string[] = [];
  const figures: StudyReport['figures'] = [];
  const { method, baseline } = study.compare;
  for (const dataset of study.spec.datasets) {
    for (const p of study.protocols) {
      const panels: Array<{ title: string; bins: ReliabilityBin[] }> = [];
      for (const m of [baseline, method]) {
        const runs = study.cells
          .filter((c) => c.dataset === dataset && c.protocol === p.id && c.method === m)
          .map((c) => reports.get(c.id)?.runtimes[0]?.suites.id?.reliability)
          .filter((b): b is ReliabilityBin[] => !!b);
        if (runs.length) panels.push({ title: `${m} (${runs.length} seed${runs.length > 1 ? 's' : ''})`, bins: poolReliability(runs) });
      }
      if (panels.length < 2) continue;
      const file = `reliability-${dataset}_${p.id}.svg`;
      await writeFileAtomic(path.join(out, file), sideBySideReliabilitySvg(panels, `${dataset}, ${p.id}: ${baseline} vs ${method}`));
      paths.push(path.join(out, file));
      figures.push({ dataset, protocol: p.id, file, methods: [baseline, method] });
    }
  }
  const invocations = await readInvocations(path.join(out, STUDY_FILES.invocations));
  const cellLogs = await slurmCellLogs(out, study.cells.map((c) => c.id));
  const provenance: StudyProvenance = { command: info.command, versions: studyVersions(), machine: machineInfo(), wallSeconds: info.wallSeconds, cellSeconds, invocations, ...(Object.keys(cellLogs).length ? { cellLogs } : {}) };
  const runs = path.join(out, STUDY_FILES.runs);
  const report = buildStudyReport(study, metrics, { provenance, failed: info.failed, figures, tuning: await collectTuning(study, runs), training: await collectTraining(study, runs) });
  const jsonPath = path.join(out, STUDY_FILES.reportJson);
  const mdPath = path.join(out, STUDY_FILES.reportMarkdown);
  await writeJsonAtomic(jsonPath, report);
  await writeFileAtomic(mdPath, renderStudyMarkdown(report));
  return { report, paths: [jsonPath, mdPath, ...paths] };
}

/**
 * Run every unfinished cell of a study (train → export → calibrate → evaluate), up to `jobs` at
 * once, then write the study report. Finished cells (report.json present) are never redone; a
 * partial cell resumes from its last finished stage or training checkpoint. A failed cell is
 * recorded (error.txt in its folder) and the others continue. Each cell is claimed first
 * (claim.ts), so several runners on one folder share the cells: a runner skips cells others hold
 * and, once it has nothing left to start, waits for them (taking over any whose holder died), so
 * every runner's report covers the whole study.
 */
export async function runStudy(study: Study, opts: RunStudyOptions): Promise<StudyResult> {
  // Cell indices first: their message also names the study's last index and how to list them.
  const only = opts.cells ? checkCellIndices(study, opts.cells) : undefined;
  checkOptions(opts, STUDY_RULES, 'study');
  const out = path.resolve(opts.out);
  const jobs = opts.jobs ?? 1;
  const started = Date.now();
  const startedAt = new Date().toISOString();
  const command = opts.command ?? `icmix study ${study.file ?? ''}`.trim();
  const write = opts.write ?? ((s: string) => process.stderr.write(s));
  await checkStudyFolder(study, out, { exact: only !== undefined });

  const states = (await studyCellStates(study, out, opts.claimTimeoutSeconds)).filter((_, i) => !only || only.includes(i));
  if (opts.dryRun) {
    return { out, skipped: [], ran: [], failed: [], interrupted: false, reportPaths: [], states: states.map((s) => ({ id: s.cell.id, state: s.state, stages: s.stages })) };
  }

  await writeStudyFile(study, out);
  const skipped = states.filter((s) => s.state === 'finished').map((s) => s.cell.id);
  const queue = runOrder(states.filter((s) => s.state !== 'finished' && s.state !== 'changed').map((s) => s.cell), allCells(study));
  const firstStage = new Map(states.map((s) => [s.cell.id, STAGES.find((st) => !s.stages.includes(st)) ?? 'train']));
  const total = states.length;
  const progress = new StudyProgress(total, skipped.length, opts.quiet, write);
  if (skipped.length) progress.line(`study ${study.spec.name}: ${skipped.length} of ${total} cells already finished in ${out}; running the other ${queue.length}`);
  else progress.line(`study ${study.spec.name}: ${total} cells into ${out}, ${jobs} at a time`);

  const ran: string[] = [];
  /** Cells another runner finished while this one was going. */
  const byOthers: string[] = [];
  // A folder made with other settings is left alone and reported, not silently mixed in.
  const failed: Array<{ id: string; error: string }> = states.filter((s) => s.state === 'changed').map((s) => ({ id: s.cell.id, error: changedCellMessage(s.cell, cellDir(out, s.cell)) }));
  for (const f of failed) progress.line(`${f.id}: not run: ${f.error}`);
  const children = new Set<ChildProcess>();
  let interrupted = opts.signal?.aborted ?? false;
  let wake: (() => void) | undefined;
  const onAbort = () => {
    interrupted = true;
    wake?.();
    // SIGINT: the children exit at once; every result file is written atomically, and a
    // training run resumes from its last checkpoint next time.
    for (const ch of children) ch.kill('SIGINT');
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  // Each of `jobs` cells gets its share of the cores, for ORT threads and training workers alike.
  const threads = jobs > 1 ? Math.max(1, Math.floor(availableParallelism() / jobs)) : undefined;
  const pollMs = opts.pollMs ?? 2000;

  // One picker at a time, so this runner's own workers do not race over the list.
  let picking: Promise<unknown> = Promise.resolve();
  const announcedWaits = new Set<string>();
  /** Cells this runner has started and not ended. */
  const active = new Set<string>();
  // A tuned cell waits while its tune cells may still finish: queued here, running here or held
  // by a live runner elsewhere. Otherwise it runs, and fails naming the tune cells that are missing.
  const awaitsTuning = (cell: Cell): boolean =>
    !!cell.tuned &&
    cell.tuned.cells.some((id) => {
      if (isCellFinished(path.join(out, STUDY_FILES.runs, id))) return false;
      return active.has(id) || queue.some((q) => q.id === id) || !!claimHolder(out, id, opts.claimTimeoutSeconds)?.live;
    });
  const pick = (): Promise<{ cell: Cell; claim: CellClaim } | 'wait' | undefined> => {
    const p = picking.then(async () => {
      for (let i = 0; i < queue.length; i++) {
        const cell = queue[i];
        if (awaitsTuning(cell)) continue;
        const dir = cellDir(out, cell);
        const settled = await settledElsewhere(cell, dir, started);
        if (settled) {
          queue.splice(i--, 1);
          if (settled === 'finished') {
            byOthers.push(cell.id);
            progress.finished(cell.id, 'done', 'by another runner');
          } else {
            failed.push(settled);
            progress.finished(cell.id, 'failed', 'by another runner');
          }
          continue;
        }
        const c = await tryClaim(out, cell.id, { timeoutSeconds: opts.claimTimeoutSeconds });
        if (!isClaim(c)) {
          if (!announcedWaits.has(cell.id)) progress.line(`${cell.id}: held by ${describeHolder(c)}; leaving it to that runner`);
          announcedWaits.add(cell.id);
          continue;
        }
        // Finished (or failed) between the look above and the claim: nothing to do.
        if (await settledElsewhere(cell, dir, started)) {
          await c.release();
          i--;
          continue;
        }
        queue.splice(i, 1);
        return { cell, claim: c };
      }
      return queue.length ? ('wait' as const) : undefined;
    });
    picking = p.catch(() => undefined);
    return p;
  };

  const worker = async () => {
    for (;;) {
      if (interrupted) return;
      const next = await pick();
      if (!next) return;
      if (next === 'wait') {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, pollMs);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        continue;
      }
      const { cell, claim } = next;
      active.add(cell.id);
      try {
        const dir = cellDir(out, cell);
        await fs.mkdir(dir, { recursive: true });
        progress.stage(cell.id, firstStage.get(cell.id) ?? 'train', '');
        let r: { ok: boolean; error?: string; killed?: boolean };
        if (opts.inProcess) {
          try {
            await runCell(cell, dir, { threads, onStage: (s, d, line) => progress.stage(cell.id, s, d, line) });
            r = { ok: true };
          } catch (err) {
            r = { ok: false, error: err instanceof Error ? err.message : String(err) };
          }
        } else {
          r = await runCellInChild(cell, dir, threads, jobs > 1, progress, children);
        }
        if (interrupted && !r.ok) return;
        if (r.ok) {
          ran.push(cell.id);
          progress.finished(cell.id, 'done');
        } else {
          const error = r.error ?? 'failed';
          failed.push({ id: cell.id, error });
          if (!existsSync(path.join(dir, CELL_FILES.error))) await writeFileAtomic(path.join(dir, CELL_FILES.error), `${error}\n`);
          progress.finished(cell.id, 'failed', error.split('\n')[0]);
        }
      } finally {
        active.delete(cell.id);
        await claim.release();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, Math.max(1, queue.length)) }, worker));
  opts.signal?.removeEventListener('abort', onAbort);
  progress.close();

  const wallSeconds = (Date.now() - started) / 1000;
  await appendInvocation(out, { startedAt, wallSeconds, command, jobs, ran: ran.length, failed: failed.length, interrupted });

  if (interrupted) {
    if (!opts.quiet) write(`study interrupted: ${skipped.length + ran.length + byOthers.length} of ${total} cells finished; run the same command again to continue\n`);
    return { out, skipped, ran, failed, interrupted, reportPaths: [] };
  }
  if (only) return { out, skipped, ran, failed, interrupted, reportPaths: [] };
  const { report, paths } = await writeStudyReport(study, out, { command, wallSeconds, failed });
  if (!opts.quiet) {
    write(`study ${study.spec.name}: ${report.cells.finished}/${report.cells.total} cells finished${failed.length ? `, ${failed.length} failed` : ''}; report ${paths[1]}\n`);
  }
  return { out, skipped, ran, failed, interrupted, report, reportPaths: paths };
}

/**
 * Whether another runner settled a cell: finished it, or failed it after this runner started (a
 * failure from an earlier invocation is retried; one from a concurrent runner is not repeated).
 */
async function settledElsewhere(cell: Cell, dir: string, since: number): Promise<'finished' | { id: string; error: string } | undefined> {
  if (isCellFinished(dir)) return 'finished';
  const errFile = path.join(dir, CELL_FILES.error);
  const st = await fs.stat(errFile).catch(() => undefined);
  if (st && st.mtimeMs >= since) return { id: cell.id, error: (await fs.readFile(errFile, 'utf8').catch(() => 'failed')).trim() };
  return undefined;
}

/** Check `--cell` indices against the study; returns them. */
export function checkCellIndices(study: Study, cells: number[]): number[] {
  for (const i of cells) {
    const n = allCells(study).length;
    if (!(Number.isInteger(i) && i >= 0 && i < n)) {
      throw new IcmixError(`--cell ${i}: the study ${study.spec.name} has ${n} cells${study.tuneCells.length ? ` (its ${study.tuneCells.length} tune cells first)` : ''}, numbered 0 to ${n - 1}; \`icmix study ${study.file ?? 'FILE'} --dry-run\` lists them in order`);
    }
  }
  return cells;
}

/**
 * Write the study report from what the folder holds (the Slurm executor's aggregation job, or by
 * hand after `--cell` runs): every finished cell, and failed cells from their error.txt.
 */
export async function aggregateStudy(study: Study, out: string, command: string): Promise<{ report: StudyReport; paths: string[] }> {
  const abs = path.resolve(out);
  await checkStudyFolder(study, abs, { exact: false });
  if (!existsSync(path.join(abs, STUDY_FILES.study))) throw new IcmixError(`${abs} holds no study (no ${STUDY_FILES.study}); run \`icmix study ${study.file ?? 'FILE'} --out ${out}\` first`);
  const failed = await failedCells(study, abs);
  for (const c of allCells(study)) if (cellChanged(c, cellDir(abs, c))) failed.push({ id: c.id, error: changedCellMessage(c, cellDir(abs, c)) });
  return writeStudyReport(study, abs, { command, wallSeconds: 0, failed });
}
