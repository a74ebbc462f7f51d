/**
 * Whether a command may replace a file it is about to write. Its own earlier output (made from
 * the same weights, or a calibrated copy of the same source model) is replaced; anything else
 * (another run's model.onnx, a user's file, a copy of another model) is kept unless --force, since
 * an atomic rename would destroy it without a trace.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readOnnxHeader } from '../onnx/index.js';
import { META } from '../types.js';
import { IcmixError } from '../util/errors.js';
import { shortSha } from './fingerprint.js';

/** Who the file about to be written belongs to: the weights it is made from, or the source model it copies. */
export interface FileOwner {
  weightsSha256?: string;
  /** The model a calibrated copy is made from (resolved against the copy's folder when relative). */
  source?: string;
}

/** Metadata key of a calibrated copy (calibrated-source.ts): its FitRecord with the source file. */
const CALIBRATION_META = 'icmix.calibration';

/** What `file` records of its maker: weights fingerprint and source model, as far as it says. */
async function madeBy(file: string, bytes: Uint8Array): Promise<FileOwner> {
  const parseSource = (raw: unknown): string | undefined => (typeof raw === 'string' ? path.resolve(path.dirname(path.resolve(file)), raw) : undefined);
  if (file.toLowerCase().endsWith('.onnx')) {
    try {
      const meta = readOnnxHeader(bytes).metadata;
      const fit = meta[CALIBRATION_META] ? (JSON.parse(meta[CALIBRATION_META]) as { source?: unknown }) : {};
      return { weightsSha256: meta[META.weightsSha256], source: parseSource(fit.source) };
    } catch {
      return {};
    }
  }
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as { weightsSha256?: unknown; source?: unknown };
    return { weightsSha256: typeof v.weightsSha256 === 'string' ? v.weightsSha256 : undefined, source: typeof v.source === 'string' ? path.resolve(v.source) : undefined };
  } catch {
    return {};
  }
}

/**
 * Throws unless `target` is absent, `force` is set, or it records the same owner as the file
 * about to replace it. `flag` names the option that chose the target (for the message).
 */
export async function checkReplaceable(target: string, owner: FileOwner, opts: { force?: boolean; flag: string }): Promise<void> {
  if (opts.force) return;
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(target);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'EISDIR') throw new IcmixError(`${opts.flag} ${target} is a folder; name a file`);
    throw new IcmixError(`cannot read ${target} to check what it is (${code ?? (e as Error).message})`);
  }
  const was = await madeBy(target, bytes);
  if (owner.weightsSha256 && was.weightsSha256 === owner.weightsSha256) return;
  if (owner.source && was.source && path.resolve(was.source) === path.resolve(owner.source)) return;
  const what = was.weightsSha256
    ? `made from other weights (${shortSha(was.weightsSha256)}${owner.weightsSha256 ? ` against ${shortSha(owner.weightsSha256)}` : ''})`
    : was.source
      ? `a calibrated copy of another model (${was.source})`
      : 'not a file icmix made for this model';
  throw new IcmixError(`${target} already exists and is ${what}; pass --force to replace it, or write elsewhere with ${opts.flag}`);
}
