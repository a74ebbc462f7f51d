/**
 * A calibrated copy of a model made elsewhere holds the source's graph as it was when T was
 * fitted. Retraining or replacing the source in place leaves the copy serving the old weights under
 * a name that looks current, so the copy records which file it came from (relative to itself) and
 * that file's sha256, and is refused while that file sits beside it with other bytes. A copy moved
 * away from its source is read as it is.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { IcmixError } from '../util/errors.js';

/** Metadata key of the calibrated copy: how its temperature was fitted (JSON FitRecord). */
export const CALIBRATION_META = 'icmix.calibration';

export interface SourceRecord {
  /** The source .onnx, relative to the calibrated copy's folder. */
  source: string;
  sourceSha256: string;
}

export async function sha256File(file: string): Promise<string> {
  return createHash('sha256').update(await fs.readFile(file)).digest('hex');
}

/** What the copy at `out` records about the model `source` it is calibrated from. */
export async function sourceRecord(source: string, out: string): Promise<SourceRecord> {
  return { source: path.relative(path.dirname(path.resolve(out)), path.resolve(source)), sourceSha256: await sha256File(source) };
}

/** Throws when `file`'s metadata names a source that still exists beside it with other bytes. */
export async function checkCalibratedSource(file: string, metadata: Record<string, string>): Promise<void> {
  let rec: Partial<SourceRecord>;
  try {
    rec = JSON.parse(metadata[CALIBRATION_META] ?? '{}') as Partial<SourceRecord>;
  } catch {
    return; // model info reports unreadable metadata where it matters
  }
  if (typeof rec.source !== 'string' || typeof rec.sourceSha256 !== 'string') return;
  const source = path.resolve(path.dirname(path.resolve(file)), rec.source);
  let now: string;
  try {
    now = await sha256File(source);
  } catch {
    return; // the source is not beside it (moved, deleted): nothing to compare
  }
  if (now !== rec.sourceSha256) {
    throw new IcmixError(
      `${file} was calibrated from ${source}, which has changed since (sha256 ${rec.sourceSha256.slice(0, 12)} then, ${now.slice(0, 12)} now), so it would run the old model: ` +
        `calibrate it again (\`icmix calibrate ${source} --dataset ...\`), or move the copy away from ${path.basename(source)} to keep using it as it is`,
    );
  }
}
