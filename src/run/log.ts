import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFailure, writeFileAtomic } from '../util/atomic.js';
import { parseJsonLines } from '../util/jsonl.js';
import { RUN_FILES } from './files.js';

/** One line of log.jsonl. */
export interface EpochLog {
  epoch: number;
  lr: number;
  trainLoss: number;
  valAccuracy: number;
  valLoss: number;
  seconds: number;
  imagesPerSecond: number;
}

function logFile(runDir: string): string {
  return path.join(runDir, RUN_FILES.log);
}

/** log.jsonl's epochs; a line torn by a crash mid-append is skipped, not the whole log. */
export async function readEpochLog(runDir: string): Promise<EpochLog[]> {
  let text: string;
  try {
    text = await fs.readFile(logFile(runDir), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return parseJsonLines<EpochLog>(text);
}

/** Replace log.jsonl with these epochs (empty for a fresh run; those up to the checkpoint on resume). */
export function writeEpochLog(runDir: string, logs: EpochLog[]): Promise<void> {
  return writeFileAtomic(logFile(runDir), logs.map((l) => JSON.stringify(l) + '\n').join(''));
}

/** Append one epoch's line (one short append, so a crash tears at most this line). */
export async function appendEpochLog(runDir: string, log: EpochLog): Promise<void> {
  const file = logFile(runDir);
  await fs.appendFile(file, JSON.stringify(log) + '\n').catch((e: unknown) => {
    throw writeFailure(file, e);
  });
}
