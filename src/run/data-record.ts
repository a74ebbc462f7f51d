/**
 * What a run trained on, by file identity, for folder datasets. A folder's test split is drawn
 * with a fixed seed over its files, so files added later would re-draw it and put training
 * images in the test set (or the validation split calibrate fits on). The run records the files
 * it listed; every later command on the run (resume, calibrate, eval) loads only those.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { FolderFileId } from '../data/index.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { IcmixError } from '../util/errors.js';
import { runPaths } from './files.js';

export interface DataRecord {
  /** The dataset name as the run was given it. */
  dataset: string;
  /** The folder, absolute. */
  root: string;
  files: FolderFileId[];
}

/** The run's record, or undefined when it has none (not a folder dataset, or trained before records). */
export async function readDataRecord(runDir: string): Promise<DataRecord | undefined> {
  const file = runPaths(runDir).dataFiles;
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new IcmixError(`cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    const r = JSON.parse(text) as DataRecord;
    if (typeof r.root !== 'string' || !Array.isArray(r.files)) throw new Error('no root or files');
    return r;
  } catch (e) {
    throw new IcmixError(`${file} is not a record icmix train wrote (${(e as Error).message}); retrain the run (--overwrite) to rebuild it`);
  }
}

/** Record a folder dataset's files in the run folder (nothing for other datasets). */
export async function writeDataRecord(runDir: string, dataset: string, split: { source: string; files?: FolderFileId[] }): Promise<void> {
  if (!split.files) return;
  await writeJsonAtomic(runPaths(runDir).dataFiles, { dataset, root: path.resolve(split.source), files: split.files } satisfies DataRecord);
}
