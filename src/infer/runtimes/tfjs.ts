import * as tf from '@tensorflow/tfjs-core';
import * as path from 'node:path';
import { useBackend } from '../../backend/select.js';
import { loadRunModel } from '../../run/folder.js';
import type { Normalization } from '../../types.js';
import { softmax } from '../metrics/softmax.js';
import { readModelInfo, type ModelInfo } from '../model-info.js';
import { nchwToNhwc } from '../preprocess.js';
import type { InferenceRuntime, RuntimeOptions } from './types.js';

function sameNormalization(a: Normalization, b: Normalization): boolean {
  return a.mean.length === b.mean.length && a.mean.every((m, i) => Math.abs(m - b.mean[i]) <= 1e-6 && Math.abs(a.std[i] - b.std[i]) <= 1e-6);
}

/**
 * The trained tfjs model of the run folder the .onnx sits in (or `opts.runDir`): the reference
 * the exported model is checked against. It takes the same preprocessed batch as the ONNX
 * runtimes and turns it into what the tfjs model was trained on (normalised NHWC), and its
 * logits into the ONNX model's output kind (probabilities, temperature), so outputs compare
 * one to one.
 */
export async function createTfjsRuntime(modelPath: string, opts: RuntimeOptions = {}): Promise<InferenceRuntime> {
  const info: ModelInfo = opts.info ?? (await readModelInfo(modelPath));
  const runDir = opts.runDir ?? path.dirname(modelPath);
  const backend = await useBackend(opts.backend ?? 'auto');
  const { model, manifest } = await loadRunModel(runDir);
  const [h, w, c] = info.inputShape;
  const want = manifest.normalization;
  // What preprocess applied to the batch, to be converted into `want`.
  const fed = !info.normalizationBaked && info.normalization ? info.normalization : null;
  const renormalise = !fed || !sameNormalization(fed, want);
  return {
    name: 'tfjs',
    requested: 'tfjs',
    note: `tfjs ${tf.version_core} on ${backend.name}, model from ${path.join(runDir, 'model')}`,
    async run(input, dims) {
      const n = dims[0];
      let x = info.inputLayout === 'NCHW' ? nchwToNhwc(input, n, c, h, w) : Float32Array.from(input);
      if (renormalise) {
        for (let i = 0; i < x.length; i += c) {
          for (let k = 0; k < c; k++) {
            const raw = fed ? x[i + k] * fed.std[k] + fed.mean[k] : x[i + k];
            x[i + k] = (raw - want.mean[k]) / want.std[k];
          }
        }
      }
      const logits = tf.tidy(() => (model.predict(tf.tensor4d(x, [n, h, w, c])) as tf.Tensor).dataSync() as Float32Array);
      x = new Float32Array(0);
      const k = logits.length / n;
      const data = info.output === 'probabilities' ? softmax(logits, k, info.temperature) : info.temperature === 1 ? Float32Array.from(logits) : logits.map((v) => v / info.temperature);
      return { data, dims: [n, k] };
    },
    async dispose() {
      model.dispose();
    },
  };
}
