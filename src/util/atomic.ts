import { promises as fs, writeFileSync, renameSync, mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { IcmixError } from './errors.js';

/** What to do about a failed write, by errno code. */
const WRITE_HINTS: Record<string, string> = {
  ENOSPC: 'the disk is full; free some space and run again',
  EDQUOT: 'the disk quota is used up; free some space and run again',
  EACCES: 'no permission to write there; choose another folder',
  EPERM: 'no permission to write there; choose another folder',
  EROFS: 'the filesystem is read-only; choose another folder',
  ENOTDIR: 'a part of the path is a file, not a folder; choose another path',
  EISDIR: 'a folder of that name is in the way; choose another path',
};

/**
 * An IcmixError naming the file a write failed on (Node's ENOSPC names only the temp file, or
 * nothing); the earlier content of `file` is intact because the rename never happened.
 */
export function writeFailure(file: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (!code) return err instanceof Error ? err : new Error(String(err));
  const hint = WRITE_HINTS[code] ?? (err as Error).message;
  return new IcmixError(`cannot write ${file} (${code}): ${hint}; its previous content, if any, is unchanged`);
}

/**
 * Write a file so that readers see either the old content or the new one, never a torn file:
 * write to a temporary sibling, then rename over the target (rename is atomic on one filesystem).
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => {});
    throw writeFailure(file, e);
  }
}

export function writeFileAtomicSync(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // the temp file may not exist; the write error is the one to report
    }
    throw writeFailure(file, e);
  }
}

/** JSON with a trailing newline, written atomically. */
export function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  return writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}
