import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { IcmixError } from '../util/errors.js';
import { shortSha } from './fingerprint.js';
import { RUN_FILES } from './files.js';
import { runFolderOf } from './folder.js';
import { readManifest } from './manifest.js';

/**
 * Staleness: every file made from a run's weights records their fingerprint; a file whose
 * fingerprint is not the one the run's manifest records is left from an earlier run in the same
 * folder and is refused, naming both files and the command that remakes it.
 */

/** The command that remakes a run-folder file from the current weights. */
function remakeCommand(file: string, runDir: string): string {
  const name = path.basename(file);
  if (name === RUN_FILES.calibratedOnnx || name === RUN_FILES.calibration) return `icmix calibrate ${runDir}`;
  if (name === RUN_FILES.report || name.startsWith('report.')) return `icmix eval ${runDir}`;
  return `icmix export ${runDir}`;
}

/**
 * Refuse `file` (in run folder `runDir`) unless `recorded` is the weights fingerprint the run's
 * manifest records. A manifest from before fingerprints (no `weightsSha256`) checks nothing.
 */
export async function checkMadeFromRun(runDir: string, file: string, recorded: string | undefined): Promise<void> {
  const manifest = await readManifest(runDir);
  const expected = manifest.weightsSha256;
  if (expected === undefined) return;
  const manifestFile = path.join(runDir, RUN_FILES.manifest);
  if (expected === null) {
    throw new IcmixError(
      `${file} is left from an earlier run: ${manifestFile} records a run that has not finished training. ` +
        `Finish it with \`icmix train --out ${runDir} --resume\`, then run \`${remakeCommand(file, runDir)}\``,
    );
  }
  if (recorded !== expected) {
    throw new IcmixError(
      `${file} was made from weights ${recorded ? shortSha(recorded) : '(no fingerprint recorded)'} but ${manifestFile} records the run's weights as ${shortSha(expected)}: ` +
        `it is left from an earlier run in this folder. Run \`${remakeCommand(file, runDir)}\` to remake it from the current weights`,
    );
  }
}

/** Refuse a model file inside a run folder that was not exported from the run's current weights. */
export async function checkModelFile(modelPath: string, recorded: string | undefined): Promise<void> {
  const runDir = runFolderOf(modelPath);
  if (runDir) await checkMadeFromRun(runDir, modelPath, recorded);
}

/** The weights fingerprint a report.json or calibration.json records (undefined if none or unreadable). */
async function recordedIn(file: string): Promise<string | undefined> {
  try {
    const v = JSON.parse(await fs.readFile(file, 'utf8')) as { weightsSha256?: unknown; model?: { weightsSha256?: unknown } };
    const sha = v.weightsSha256 ?? v.model?.weightsSha256;
    return typeof sha === 'string' ? sha : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Refuse a report.json shown with a model (`icmix serve`) unless it was made from the same
 * weights: the run's, when it sits in a run folder, and the model's, when both record one.
 */
export async function checkReportFor(reportPath: string, modelPath: string, modelSha: string | undefined): Promise<void> {
  const recorded = await recordedIn(reportPath);
  const runDir = runFolderOf(reportPath);
  if (runDir) await checkMadeFromRun(runDir, reportPath, recorded);
  if (modelSha && recorded && modelSha !== recorded) {
    throw new IcmixError(
      `${reportPath} was made from weights ${shortSha(recorded)} but ${modelPath} holds ${shortSha(modelSha)}; ` +
        `run \`icmix eval ${modelPath}\` again or pass the matching --report`,
    );
  }
}
