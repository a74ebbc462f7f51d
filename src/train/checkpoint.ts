import type * as tfl from '@tensorflow/tfjs-layers';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { loadLayersModel, saveLayersModel } from './model-io.js';

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

const STATE = 'state.json';

export async function saveCheckpoint(dir: string, epoch: number, model: tfl.LayersModel, optimizerState: Float32Array): Promise<void> {
  const folder = `epoch-${String(epoch).padStart(4, '0')}`;
  const target = path.join(dir, folder);
  await fs.rm(target, { recursive: true, force: true });
  await saveLayersModel(model, target);
  await writeFileAtomic(path.join(target, 'optimizer.bin'), new Uint8Array(optimizerState.buffer, optimizerState.byteOffset, optimizerState.byteLength));
  const state: CheckpointState = { epoch, folder, savedAt: new Date().toISOString() };
  await writeJsonAtomic(path.join(dir, STATE), state);
  for (const name of await fs.readdir(dir)) {
    if (name.startsWith('epoch-') && name !== folder) await fs.rm(path.join(dir, name), { recursive: true, force: true });
  }
}

export async function readCheckpointState(dir: string): Promise<CheckpointState | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, STATE), 'utf8')) as CheckpointState;
  } catch {
    return undefined;
  }
}

export async function loadCheckpoint(dir: string, state: CheckpointState): Promise<{ model: tfl.LayersModel; optimizerState: Float32Array }> {
  const folder = path.join(dir, state.folder);
  const model = await loadLayersModel(folder);
  const bytes = await fs.readFile(path.join(folder, 'optimizer.bin'));
  const optimizerState = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return { model, optimizerState };
}
