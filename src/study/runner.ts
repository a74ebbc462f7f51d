import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readReport } from '../infer/report/read.js';
import type { EvalReport, ReliabilityBin } from '../infer/report/types.js';
import { RUN_FILES } from '../types.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { cellMetrics, poolReliability } from './metrics.js';
import { cellChanged, changedCellMessage, isCellFinished, readStagesDone, runCell } from './pipeline.js';
import { StudyProgress } from './progress.js';
import { machineInfo, studyVersions } from './provenance.js';
import { buildStudyReport, renderStudyMarkdown, type StudyProvenance, type StudyReport } from './report.js';
import { sideBySideReliabilitySvg } from './svg.js';
import { CELL_FILES, STAGES, type Cell, type CellMetrics, type Study } from './types.js';
import type { FromWorker, ToWorker } from './worker.js';
import { checkOptions, positiveInt, type RuleTable } from '../util/ranges.js';

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
}

/** The allowed range of every numeric study-run option (the CLI's flags use the same table). */
export const STUDY_RULES: RuleTable<RunStudyOptions> = {
  jobs: positiveInt,
};

/** 'changed': the folder holds this cell made with other settings; it is neither used nor redone. */
export type CellState = 'finished' | 'partial' | 'todo' | 'failed' | 'changed';

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

/** Where worker.ts is: next to this module, as .ts under tsx and .js once compiled. */
function workerEntry(): { file: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  const ext = path.extname(here);
  const file = path.join(path.dirname(here), `worker${ext}`);
  // Keep only the loader flags (tsx) and memory limits of this process, not e.g. --test.
  const keep: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if ((a === '--import' || a === '--loader' || a === '--require' || a === '-r') && i + 1 < argv.length) keep.push(a, argv[++i]);
    else if (/^--(import|loader|require|max-old-space-size)=/.test(a)) keep.push(a);
  }
  if (ext === '.ts' && !keep.some((a) => a.includes('tsx'))) keep.push('--import', 'tsx');
  return { file, execArgv: keep };
}

async function cellState(cell: Cell, dir: string): Promise<{ state: CellState; stages: string[] }> {
  if (cellChanged(cell, dir)) return { state: 'changed', stages: [] };
  if (isCellFinished(dir)) return { state: 'finished', stages: [...STAGES] };
  const done = Object.keys(await readStagesDone(dir));
  if (existsSync(path.join(dir, CELL_FILES.error))) return { state: 'failed', stages: done };
  const started = done.length > 0 || existsSync(path.join(dir, RUN_FILES.checkpoint, 'state.json'));
  return { state: started ? 'partial' : 'todo', stages: done };
}

/** Run one cell in a child process; resolves with its outcome (never rejects). */
function runCellInChild(cell: Cell, dir: string, threads: number | undefined, parallel: boolean, progress: StudyProgress, children: Set<ChildProcess>): Promise<{ ok: boolean; error?: string; killed?: boolean }> {
  return new Promise((resolve) => {
    const { file, execArgv } = workerEntry();
    const log = openSync(path.join(dir, STUDY_FILES.workerLog), 'a');
    // One compute thread per child when cells share the cores.
    const env = parallel ? { ...process.env, ICMIX_WASM_THREADS: '1', OMP_NUM_THREADS: '1' } : process.env;
    const child = fork(file, [], { execArgv, env, stdio: ['ignore', log, log, 'ipc'] });
    closeSync(log);
    children.add(child);
    let result: { ok: boolean; error?: string } | undefined;
    child.on('message', (m: FromWorker) => {
      if (m.type === 'stage') progress.stage(cell.id, m.stage, m.detail);
      else if (m.type === 'done') result = { ok: true };
      else if (m.type === 'failed') result = { ok: false, error: m.message };
    });
    child.on('error', (err) => {
      result ??= { ok: false, error: `could not start the worker: ${err.message}` };
    });
    child.on('exit', (code, sig) => {
      children.delete(child);
      if (result) return resolve(result);
      if (sig) return resolve({ ok: false, killed: true, error: `worker stopped by ${sig}` });
      resolve({ ok: false, error: `worker exited with code ${code} without a result; see ${path.join(dir, STUDY_FILES.workerLog)}` });
    });
    const msg: ToWorker = { type: 'run', cell, runDir: dir, threads };
    child.send(msg);
  });
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
  try {
    return (await fs.readFile(file, 'utf8')).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  } catch {
    return [];
  }
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
  const provenance: StudyProvenance = { command: info.command, versions: studyVersions(), machine: machineInfo(), wallSeconds: info.wallSeconds, cellSeconds, invocations };
  const report = buildStudyReport(study, metrics, { provenance, failed: info.failed, figures });
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
 * recorded (error.txt in its folder) and the others continue.
 */
export async function runStudy(study: Study, opts: RunStudyOptions): Promise<StudyResult> {
  checkOptions(opts, STUDY_RULES, 'study');
  const out = path.resolve(opts.out);
  const jobs = opts.jobs ?? 1;
  const started = Date.now();
  const startedAt = new Date().toISOString();
  const command = opts.command ?? `icmix study ${study.file ?? ''}`.trim();
  const write = opts.write ?? ((s: string) => process.stderr.write(s));

  const states = await Promise.all(study.cells.map(async (c) => ({ cell: c, ...(await cellState(c, cellDir(out, c))) })));
  if (opts.dryRun) {
    return { out, skipped: [], ran: [], failed: [], interrupted: false, reportPaths: [], states: states.map((s) => ({ id: s.cell.id, state: s.state, stages: s.stages })) };
  }

  await fs.mkdir(out, { recursive: true });
  await writeJsonAtomic(path.join(out, STUDY_FILES.study), { spec: study.spec, file: study.file, protocols: study.protocols, cells: study.cells });
  const skipped = states.filter((s) => s.state === 'finished').map((s) => s.cell.id);
  const queue = states.filter((s) => s.state !== 'finished' && s.state !== 'changed').map((s) => s.cell);
  const firstStage = new Map(states.map((s) => [s.cell.id, STAGES.find((st) => !s.stages.includes(st)) ?? 'train']));
  const progress = new StudyProgress(study.cells.length, skipped.length, opts.quiet, write);
  if (skipped.length) progress.line(`study ${study.spec.name}: ${skipped.length} of ${study.cells.length} cells already finished in ${out}; running the other ${queue.length}`);
  else progress.line(`study ${study.spec.name}: ${study.cells.length} cells into ${out}, ${jobs} at a time`);

  const ran: string[] = [];
  // A folder made with other settings is left alone and reported, not silently mixed in.
  const failed: Array<{ id: string; error: string }> = states.filter((s) => s.state === 'changed').map((s) => ({ id: s.cell.id, error: changedCellMessage(s.cell, cellDir(out, s.cell)) }));
  for (const f of failed) progress.line(`${f.id}: not run: ${f.error}`);
  const children = new Set<ChildProcess>();
  let interrupted = opts.signal?.aborted ?? false;
  const onAbort = () => {
    interrupted = true;
    // SIGINT: the children exit at once; every result file is written atomically, and a
    // training run resumes from its last checkpoint next time.
    for (const ch of children) ch.kill('SIGINT');
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const threads = jobs > 1 ? 1 : undefined;

  const worker = async () => {
    for (;;) {
      if (interrupted) return;
      const cell = queue.shift();
      if (!cell) return;
      const dir = cellDir(out, cell);
      await fs.mkdir(dir, { recursive: true });
      progress.stage(cell.id, firstStage.get(cell.id) ?? 'train', '');
      let r: { ok: boolean; error?: string; killed?: boolean };
      if (opts.inProcess) {
        try {
          await runCell(cell, dir, { threads, onStage: (s, d) => progress.stage(cell.id, s, d) });
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
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, Math.max(1, queue.length)) }, worker));
  opts.signal?.removeEventListener('abort', onAbort);
  progress.close();

  const wallSeconds = (Date.now() - started) / 1000;
  const invocationsFile = path.join(out, STUDY_FILES.invocations);
  const previous = await readInvocations(invocationsFile);
  const entry = { startedAt, wallSeconds, command, jobs, ran: ran.length, failed: failed.length, interrupted };
  await writeFileAtomic(invocationsFile, [...previous, entry].map((e) => JSON.stringify(e) + '\n').join(''));

  if (interrupted) {
    if (!opts.quiet) write(`study interrupted: ${skipped.length + ran.length} of ${study.cells.length} cells finished; run the same command again to continue\n`);
    return { out, skipped, ran, failed, interrupted, reportPaths: [] };
  }
  const { report, paths } = await writeStudyReport(study, out, { command, wallSeconds, failed });
  if (!opts.quiet) {
    write(`study ${study.spec.name}: ${report.cells.finished}/${report.cells.total} cells finished${failed.length ? `, ${failed.length} failed` : ''}; report ${paths[1]}\n`);
  }
  return { out, skipped, ran, failed, interrupted, report, reportPaths: paths };
}

