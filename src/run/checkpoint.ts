import type * as tfl from '@tensorflow/tfjs-layers';
import { existsSync, promises as fs, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { IcmixError } from '../util/errors.js';
import { CHECKPOINT_FILES, epochFolderName, RUN_FILES } from './files.js';
import { isCompleteModelFolder, loadLayersModel, saveLayersModel } from './model-io.js';

/**
 * Per-epoch checkpoints. Each epoch's files go to their own folder (`epoch-0003/`); `state.json`
 * is written last and atomically, so it always names a complete checkpoint. A crash mid-write
 * leaves the previous checkpoint in force; older epoch folders are removed afterwards.
 */
export interface CheckpointState {
  /** Epochs completed. */
  epoch: number;
  /** The folder (relative to the checkpoint folder) with model.json, weights.bin, optimizer.bin. */
  folder: string;
  savedAt: string;
}

/** The checkpoint folder of a run folder. */
export function checkpointDir(runDir: string): string {
  return path.join(runDir, RUN_FILES.checkpoint);
}

export async function saveCheckpoint(dir: string, epoch: number, model: tfl.LayersModel, optimizerState: Float32Array): Promise<void> {
  const folder = epochFolderName(epoch);
  const target = path.join(dir, folder);
  await fs.rm(target, { recursive: true, force: true });
  await saveLayersModel(model, target);
  await writeFileAtomic(path.join(target, CHECKPOINT_FILES.optimizer), new Uint8Array(optimizerState.buffer, optimizerState.byteOffset, optimizerState.byteLength));
  const state: CheckpointState = { epoch, folder, savedAt: new Date().toISOString() };
  await writeJsonAtomic(path.join(dir, CHECKPOINT_FILES.state), state);
  for (const name of await fs.readdir(dir)) {
    if (name.startsWith(CHECKPOINT_FILES.epochPrefix) && name !== folder) await fs.rm(path.join(dir, name), { recursive: true, force: true });
  }
}

/** Whether a run folder holds a checkpoint (a state file, readable or not, or an epoch folder): a started run. */
export function hasCheckpoint(runDir: string): boolean {
  const dir = checkpointDir(runDir);
  if (existsSync(path.join(dir, CHECKPOINT_FILES.state))) return true;
  try {
    return readdirSync(dir).some((n) => n.startsWith(CHECKPOINT_FILES.epochPrefix));
  } catch {
    return false;
  }
}

/** Why a state file cannot be used, or undefined when it can. */
function stateProblem(value: unknown): string | undefined {
  const s = value as Partial<CheckpointState> | null;
  if (!s || typeof s !== 'object') return 'it is not a JSON object';
  if (!(Number.isInteger(s.epoch) && (s.epoch as number) >= 1)) return `its epoch is ${JSON.stringify(s.epoch)}, not a positive integer`;
  if (typeof s.folder !== 'string' || !s.folder.startsWith(CHECKPOINT_FILES.epochPrefix) || s.folder.includes('/') || s.folder.includes('\\')) {
    return `its folder is ${JSON.stringify(s.folder)}, not an ${CHECKPOINT_FILES.epochPrefix}NNNN folder name`;
  }
  return undefined;
}

/**
 * The checkpoint state of a checkpoint folder: undefined when there is none; an IcmixError when
 * the state file exists but cannot be read, naming it and the last complete epoch folder.
 */
export async function readCheckpointState(dir: string): Promise<CheckpointState | undefined> {
  const file = path.join(dir, CHECKPOINT_FILES.state);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw await unreadableState(dir, `is unreadable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw await unreadableState(dir, `is unreadable: not valid JSON (${(e as Error).message})`);
  }
  const problem = stateProblem(value);
  if (problem) throw await unreadableState(dir, `is unreadable: ${problem}`);
  return value as CheckpointState;
}

/** Epoch folders holding a complete checkpoint (model.json, weights of the right size, optimizer.bin), newest first. */
export async function completeEpochFolders(dir: string): Promise<Array<{ epoch: number; folder: string }>> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const found: Array<{ epoch: number; folder: string }> = [];
  for (const folder of names) {
    const m = new RegExp(`^${CHECKPOINT_FILES.epochPrefix}(\\d+)$`).exec(folder);
    if (!m || Number(m[1]) < 1) continue;
    const full = path.join(dir, folder);
    if (!existsSync(path.join(full, CHECKPOINT_FILES.optimizer))) continue;
    if (await isCompleteModelFolder(full)) found.push({ epoch: Number(m[1]), folder });
  }
  return found.sort((a, b) => b.epoch - a.epoch);
}

/**
 * The error for a state file that exists but is unusable. It offers the last complete epoch
 * folder (and the state file that resumes from it), because starting over would delete it.
 */
async function unreadableState(dir: string, what: string): Promise<IcmixError> {
  const file = path.join(dir, CHECKPOINT_FILES.state);
  const [last] = await completeEpochFolders(dir);
  if (!last) {
    return new IcmixError(`the checkpoint state file ${file} ${what}, and ${dir} holds no complete epoch folder to resume from; the run cannot be resumed: start it over with --overwrite`);
  }
  const state = JSON.stringify({ epoch: last.epoch, folder: last.folder });
  return new IcmixError(
    `the checkpoint state file ${file} ${what}. The last complete epoch folder is ${path.join(dir, last.folder)} (after epoch ${last.epoch}); ` +
      `to resume from it, write ${state} into ${file} and run the same command with --resume again. ` +
      `Keep ${dir}: starting the run over would delete it.`,
  );
}

/**
 * The checkpoint `--resume` continues from. A missing state file with a complete epoch folder
 * (a crash between the two writes) gets the same offer as an unreadable one.
 */
export async function checkpointToResume(runDir: string): Promise<CheckpointState> {
  const dir = checkpointDir(runDir);
  const state = await readCheckpointState(dir);
  if (state) return state;
  if ((await completeEpochFolders(dir)).length) throw await unreadableState(dir, 'is missing');
  throw new IcmixError(
    existsSync(runDir)
      ? `--resume: no checkpoint in ${dir} (no epoch finished); nothing to resume, start the run over with --overwrite`
      : `--resume: ${runDir} does not exist; start the run without --resume`,
  );
}

export async function loadCheckpoint(dir: string, state: CheckpointState): Promise<{ model: tfl.LayersModel; optimizerState: Float32Array }> {
  const folder = path.join(dir, state.folder);
  const model = await loadLayersModel(folder);
  const bytes = await fs.readFile(path.join(folder, CHECKPOINT_FILES.optimizer));
  const optimizerState = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return { model, optimizerState };
}
