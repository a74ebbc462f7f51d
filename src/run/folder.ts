import type * as tfl from '@tensorflow/tfjs-layers';
import { existsSync, promises as fs, statSync } from 'node:fs';
import * as path from 'node:path';
import { IcmixError } from '../util/errors.js';
import { shortSha } from './fingerprint.js';
import { isRunOutput, MODEL_FILES, RUN_FILES, runPaths } from './files.js';
import { readManifest, type RunManifest } from './manifest.js';

/**
 * The trained model and its manifest from a run folder written by `icmix train`, with the
 * fingerprint of the weights loaded. Refuses a model/ that is not the one the manifest records
 * (left from an earlier run in the folder, or training has not finished).
 */
export async function loadRunModel(runDir: string): Promise<{ model: tfl.LayersModel; manifest: RunManifest; weightsSha256: string }> {
  const manifest = await readManifest(runDir);
  const p = runPaths(runDir);
  if (!existsSync(path.join(p.model, MODEL_FILES.json))) {
    throw new IcmixError(`${runDir} has no trained model yet (${p.model}/${MODEL_FILES.json}); finish training first with \`icmix train --out ${runDir} --resume\``);
  }
  if (manifest.weightsSha256 === null) {
    throw new IcmixError(
      `${p.manifest} records a run that has not finished training, so ${p.model} is not its model (it is left from an earlier run); ` +
        `finish training with \`icmix train --out ${runDir} --resume\``,
    );
  }
  // Imported here: model-io loads tfjs, which the staleness checks that share this module (icmix serve) never need.
  const { loadLayersModelWithFingerprint } = await import('./model-io.js');
  const { model, weightsSha256 } = await loadLayersModelWithFingerprint(p.model);
  if (manifest.weightsSha256 !== undefined && manifest.weightsSha256 !== weightsSha256) {
    model.dispose();
    throw new IcmixError(
      `${p.model} holds weights ${shortSha(weightsSha256)} but ${p.manifest} records ${shortSha(manifest.weightsSha256)}: the folder mixes two runs; ` +
        `retrain with \`icmix train --out ${runDir} --overwrite\``,
    );
  }
  return { model, manifest, weightsSha256 };
}

/** The run folder a model file sits in (its folder holds manifest.json), if any. */
export function runFolderOf(modelPath: string): string | undefined {
  const dir = path.dirname(path.resolve(modelPath));
  return existsSync(path.join(dir, RUN_FILES.manifest)) ? dir : undefined;
}

/** A run folder stands for its calibrated model if there is one, else its model.onnx; a file stands for itself. */
export function resolveRunModel(p: string): string {
  if (existsSync(p) && statSync(p).isDirectory()) {
    for (const f of [RUN_FILES.calibratedOnnx, RUN_FILES.onnx]) if (existsSync(path.join(p, f))) return path.join(p, f);
    throw new IcmixError(`${p} holds neither ${RUN_FILES.calibratedOnnx} nor ${RUN_FILES.onnx}; export the run first with \`icmix export ${p}\``);
  }
  return p;
}

/** How `icmix train` may use its --out folder. */
export interface OutFolderPolicy {
  /** Continue the run in the folder from its last checkpoint. */
  resume?: boolean;
  /** Start over: the folder's run files (model, checkpoint, log, exports, calibration, reports) are deleted first. */
  overwrite?: boolean;
}

/**
 * Check, without changing anything, that a training run may use `out`: an empty or missing
 * folder always; a non-empty one only with `resume` or `overwrite`. Returns whether it holds files.
 */
export async function checkOutFolder(out: string, policy: OutFolderPolicy): Promise<void> {
  if (policy.resume && policy.overwrite) throw new IcmixError('--resume continues the run in --out and --overwrite deletes it; pass one of them');
  let names: string[];
  try {
    names = await fs.readdir(out);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new IcmixError(`--out ${out} is a file; name a folder for the run`);
    throw e;
  }
  if (names.length === 0 || policy.resume || policy.overwrite) return;
  const shown = names.sort().slice(0, 6).join(', ') + (names.length > 6 ? ', ...' : '');
  throw new IcmixError(
    `--out ${out} is not empty (${shown}); pass --resume to continue its run, --overwrite to start over ` +
      '(deletes its model, checkpoint, log, ONNX exports, calibration and reports), or choose another folder',
  );
}

/** Delete the files a run made in `out` (see `isRunOutput`); other files are left alone. */
export async function clearRunOutputs(out: string): Promise<string[]> {
  const names = await fs.readdir(out).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    if (!isRunOutput(name)) continue;
    await fs.rm(path.join(out, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
