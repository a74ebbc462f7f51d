/**
 * docs/results/<study>/cells.json: every cell of a finished study (its config, seed, the lr it
 * trained at, its headline metrics, convergence and warnings; tune cells with their validation
 * score), exported from a results folder so that the published tables and prose can be rebuilt
 * from the repository alone (`icmix results docs`).
 */
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readReport } from '../infer/report/read.js';
import { readManifest } from '../run/index.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { IcmixError } from '../util/errors.js';
import { allCells } from './cells.js';
import { collectTraining, type CellTraining } from './health.js';
import { cellMetrics } from './metrics.js';
import { cellChanged, isCellFinished } from './pipeline.js';
import type { StudyProvenance, StudyReport } from './report.js';
import { readTuneRecord, type TuneRecord } from './tune.js';
import { studyFromObject } from './load.js';
import type { CellMetrics, Study, StudySpec } from './types.js';

export const CELLS_FORMAT = 'icmix-cells/1' as const;

export interface ExportedCell {
  id: string;
  role: 'main' | 'tune';
  dataset: string;
  protocol: string;
  method: string;
  seed: number;
  /** The lr it trained at (a tuned main cell: its group's choice). */
  lr: number;
  /** icmix train's resolved config, from the run's manifest. */
  config: Record<string, unknown>;
  /** Main cells: the study's headline numbers. */
  metrics?: CellMetrics;
  /** Tune cells: what the choice was made from. */
  tune?: TuneRecord;
  training?: CellTraining;
}

export interface CellsFile {
  format: typeof CELLS_FORMAT;
  study: { name: string; file?: string; spec: StudySpec };
  /** When the study report the cells were exported from was written. */
  reportCreatedAt: string;
  provenance: Pick<StudyProvenance, 'versions' | 'machine' | 'cellSeconds' | 'invocations'>;
  cells: ExportedCell[];
}

/** Read a finished results folder into a CellsFile (cells not finished are left out). */
export async function exportCells(resultsDir: string): Promise<CellsFile> {
  const studyJson = path.join(resultsDir, 'study.json');
  const reportJson = path.join(resultsDir, 'study-report.json');
  if (!existsSync(studyJson) || !existsSync(reportJson)) {
    throw new IcmixError(`${resultsDir} holds no finished study (needs study.json and study-report.json); run \`icmix study FILE --out ${resultsDir}\` first`);
  }
  const saved = JSON.parse(await fs.readFile(studyJson, 'utf8')) as { spec: StudySpec; file?: string };
  const study = studyFromObject(saved.spec, saved.file);
  const report = JSON.parse(await fs.readFile(reportJson, 'utf8')) as StudyReport;
  const runs = path.join(resultsDir, 'runs');
  const training = await collectTraining(study, runs);
  const cells: ExportedCell[] = [];
  for (const c of allCells(study)) {
    const dir = path.join(runs, c.id);
    // Unfinished cells, and cells whose settings or tune choice changed since, are not exported.
    if (!isCellFinished(dir) || cellChanged(c, dir)) continue;
    const manifest = await readManifest(dir);
    const base = { id: c.id, role: c.tune ? ('tune' as const) : ('main' as const), dataset: c.dataset, protocol: c.protocol, method: c.method, seed: c.seed, lr: manifest.config.lr, config: { ...manifest.config, out: undefined } as Record<string, unknown> };
    const extra = c.tune ? { tune: await readTuneRecord(dir) } : { metrics: cellMetrics((await readReport(dir)).report, study.reportedOod[c.dataset]) };
    cells.push({ ...base, ...extra, ...(training[c.id] ? { training: training[c.id] } : {}) });
  }
  const p = report.provenance;
  return {
    format: CELLS_FORMAT,
    study: { name: study.spec.name, ...(saved.file ? { file: saved.file } : {}), spec: saved.spec },
    reportCreatedAt: report.createdAt,
    provenance: { versions: p.versions, machine: p.machine, cellSeconds: p.cellSeconds, invocations: p.invocations },
    cells,
  };
}

export async function writeCellsFile(file: string, cells: CellsFile): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeJsonAtomic(file, cells);
}

/** Read and check a cells.json; the study is re-expanded from its spec (cell ids must match). */
export async function readCellsFile(file: string): Promise<{ cells: CellsFile; study: Study }> {
  let value: CellsFile;
  try {
    value = JSON.parse(await fs.readFile(file, 'utf8')) as CellsFile;
  } catch (e) {
    throw new IcmixError(`cannot read ${file}: ${(e as Error).message}; export one with \`icmix results export RESULTS_FOLDER --out ${file}\``);
  }
  if (value?.format !== CELLS_FORMAT) throw new IcmixError(`${file}: not an icmix cells file (format ${JSON.stringify(value?.format)}, expected ${CELLS_FORMAT})`);
  const study = studyFromObject(value.study.spec, value.study.file);
  const ids = new Set(allCells(study).map((c) => c.id));
  for (const c of value.cells) if (!ids.has(c.id)) throw new IcmixError(`${file}: cell ${c.id} is not a cell of study ${study.spec.name} as its spec expands; re-export the file`);
  return { cells: value, study };
}

/**
 * Every <dir>/<study>/cells.json, with its study; `path` is relative to the working directory
 * (with '/'), so the page names docs/results/<study>/cells.json however the folder was given.
 */
export async function readCellsDir(dir: string): Promise<Array<{ cells: CellsFile; study: Study; path: string }>> {
  const names = existsSync(dir) ? (await fs.readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort() : [];
  const out: Array<{ cells: CellsFile; study: Study; path: string }> = [];
  for (const n of names) {
    const file = path.join(dir, n, 'cells.json');
    if (!existsSync(file)) continue;
    out.push({ ...(await readCellsFile(file)), path: path.relative(process.cwd(), file).split(path.sep).join('/') });
  }
  return out;
}
