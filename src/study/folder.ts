/**
 * The results folder's study.json: which study the folder belongs to. A folder written by another
 * study (another name) is refused before anything is touched; `--cell` and Slurm tasks further
 * need the very same cells, since they address cells by index.
 */
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeJsonAtomic } from '../util/atomic.js';
import { IcmixError } from '../util/errors.js';
import { allCells } from './cells.js';
import type { Cell, Study } from './types.js';

const STUDY_JSON = 'study.json';

interface StudyJson {
  spec: { name: string };
  file?: string;
  cells: Cell[];
}

function cellsKey(cells: Cell[]): string {
  return JSON.stringify(cells.map((c) => ({ id: c.id, train: c.train, eval: c.eval, tune: c.tune, tuned: c.tuned })));
}

async function readStudyJson(out: string): Promise<StudyJson | undefined> {
  const file = path.join(out, STUDY_JSON);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as StudyJson;
  } catch {
    throw new IcmixError(`${file} is not valid JSON; it is not a study results folder, so pass another --out folder`);
  }
}

/** Throw when `out` was written by another study file (or, with exact, another version of it). */
export async function checkStudyFolder(study: Study, out: string, opts: { exact: boolean }): Promise<void> {
  const prev = await readStudyJson(out);
  if (!prev) return;
  const from = prev.file ? ` (from ${prev.file})` : '';
  const file = study.file ?? 'the study file';
  if (prev.spec?.name !== study.spec.name) {
    throw new IcmixError(
      `${out} holds the results of study '${prev.spec?.name}'${from}, not of '${study.spec.name}' from ${file}; pass another --out folder for this study (nothing in ${out} was changed)`,
    );
  }
  if (opts.exact && cellsKey(prev.cells ?? []) !== cellsKey(allCells(study))) {
    throw new IcmixError(
      `${out}/${STUDY_JSON} was written by a different version of ${file} (its cells differ), so cell indices would not match; ` +
        `run \`icmix study ${file} --out ${out}\` (or with --executor slurm) once to record this version, or pass another --out folder`,
    );
  }
}

/** Record the resolved study in `out` (atomically). */
export async function writeStudyFile(study: Study, out: string): Promise<void> {
  await fs.mkdir(out, { recursive: true });
  await writeJsonAtomic(path.join(out, STUDY_JSON), { spec: study.spec, file: study.file, protocols: study.protocols, cells: allCells(study) });
}
