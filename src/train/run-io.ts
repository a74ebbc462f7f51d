import type * as tfl from '@tensorflow/tfjs-layers';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { RUN_FILES, type RunManifest } from '../types.js';
import { IcmixError } from '../util/errors.js';
import { loadLayersModel } from './model-io.js';

/** Read a run folder's manifest.json. */
export async function readManifest(runDir: string): Promise<RunManifest> {
  const file = path.join(runDir, RUN_FILES.manifest);
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as RunManifest;
  } catch (e) {
    throw new IcmixError(
      `${file} is missing or unreadable (${(e as Error).message}); is ${runDir} a folder written by \`icmix train\`?`,
    );
  }
}

/** The trained model and its manifest from a run folder written by `icmix train`. */
export async function loadRunModel(runDir: string): Promise<{ model: tfl.LayersModel; manifest: RunManifest }> {
  const manifest = await readManifest(runDir);
  const modelDir = path.join(runDir, RUN_FILES.model);
  try {
    await fs.access(path.join(modelDir, 'model.json'));
  } catch {
    throw new IcmixError(`${runDir} has no trained model yet (${modelDir}/model.json); finish or resume training first`);
  }
  return { model: await loadLayersModel(modelDir), manifest };
}
