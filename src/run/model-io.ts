import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { IcmixError } from '../util/errors.js';
import { weightsSha256 } from './fingerprint.js';
import { MODEL_FILES } from './files.js';

/**
 * Save and load tfjs LayersModels in the standard tfjs layers format (model.json +
 * weights.bin) through an IO handler, since tfjs's own `file://` handler needs tfjs-node.
 */

const WEIGHTS_FILE = MODEL_FILES.weights;

/**
 * Write `dir/model.json` and `dir/weights.bin`; each file atomically, model.json last. Returns the
 * weights' fingerprint (sha256 of weights.bin).
 */
export async function saveLayersModel(model: tfl.LayersModel, dir: string): Promise<{ weightsSha256: string }> {
  let sha = '';
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0)));
      const modelJson = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: artifacts.weightSpecs ?? [] }],
      };
      sha = weightsSha256(weights);
      await fs.mkdir(dir, { recursive: true });
      await writeFileAtomic(path.join(dir, WEIGHTS_FILE), weights);
      await writeFileAtomic(path.join(dir, MODEL_FILES.json), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }),
  );
  return { weightsSha256: sha };
}

/** Load a model saved by `saveLayersModel` (or by tfjs's file:// handler with one weights file). */
export async function loadLayersModel(dir: string): Promise<tfl.LayersModel> {
  return (await loadLayersModelWithFingerprint(dir)).model;
}

/** The model and the fingerprint of the weight data it was loaded from (as `saveLayersModel` returns it). */
export async function loadLayersModelWithFingerprint(dir: string): Promise<{ model: tfl.LayersModel; weightsSha256: string }> {
  const jsonPath = path.join(dir, MODEL_FILES.json);
  let modelJson: {
    modelTopology?: object;
    weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  try {
    modelJson = JSON.parse(await fs.readFile(jsonPath, 'utf8'));
  } catch (e) {
    throw new IcmixError(`cannot read a tfjs model at ${jsonPath}: ${(e as Error).message}`);
  }
  if (!modelJson.modelTopology || !modelJson.weightsManifest) {
    throw new IcmixError(`${jsonPath} is not a tfjs layers model (no modelTopology/weightsManifest)`);
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of modelJson.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) buffers.push(new Uint8Array(await fs.readFile(path.join(dir, p))));
  }
  const expected = specs.reduce((n, s) => n + bytesOf(s), 0);
  const weightData = tf.io.CompositeArrayBuffer.join(buffers.map((b) => b.slice().buffer as ArrayBuffer));
  if (weightData.byteLength !== expected) {
    throw new IcmixError(
      `weights in ${dir} hold ${weightData.byteLength} bytes but model.json describes ${expected}: the files are truncated or mismatched`,
    );
  }
  const model = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: specs, weightData }));
  return { model, weightsSha256: weightsSha256(...buffers) };
}

/**
 * Whether `dir` holds a complete tfjs layers model: model.json parses and its weight files hold
 * exactly the bytes it describes (what a crash mid-save cannot leave).
 */
export async function isCompleteModelFolder(dir: string): Promise<boolean> {
  try {
    const json = JSON.parse(await fs.readFile(path.join(dir, MODEL_FILES.json), 'utf8')) as { weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
    if (!json.weightsManifest) return false;
    let expected = 0;
    let actual = 0;
    for (const group of json.weightsManifest) {
      expected += group.weights.reduce((n, s) => n + bytesOf(s), 0);
      for (const p of group.paths) actual += (await fs.stat(path.join(dir, p))).size;
    }
    return expected === actual;
  } catch {
    return false;
  }
}

function bytesOf(spec: tf.io.WeightsManifestEntry): number {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const size = spec.dtype === 'float32' || spec.dtype === 'int32' ? 4 : spec.dtype === 'bool' ? 1 : 4;
  return n * size;
}
