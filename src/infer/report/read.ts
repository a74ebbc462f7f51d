import { promises as fs, statSync } from 'node:fs';
import * as path from 'node:path';
import { IcmixError } from '../../util/errors.js';
import { RUN_FILES } from '../../run/files.js';
import type { EvalReport } from './types.js';
import { validateReport } from './schema.js';

/** `p` itself if it is a file, else `p`/report.json (a run folder). */
export function reportPathOf(p: string): string {
  let st;
  try {
    st = statSync(p);
  } catch {
    throw new IcmixError(`${p} does not exist; pass a run folder or its report.json`);
  }
  return st.isDirectory() ? path.join(p, RUN_FILES.report) : p;
}

/** Read and validate a report.json (or a run folder's). */
export async function readReport(p: string): Promise<{ path: string; report: EvalReport }> {
  const file = reportPathOf(p);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new IcmixError(`${file} not found; run \`icmix eval\` on that run first`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new IcmixError(`${file} is not valid JSON (${(e as Error).message})`);
  }
  validateReport(value, file);
  return { path: file, report: value };
}
