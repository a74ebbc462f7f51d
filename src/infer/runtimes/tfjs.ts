import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import * as path from 'node:path';
import { useBackend } from '../../backend/select.js';
import { loadRunModel } from '../../run/folder.js';
import { logitsModel } from '../../run/softmax-head.js';
import { META, type ImageShape, type Normalization } from '../../types.js';
import { IcmixError } from '../../util/errors.js';
import { softmax } from '../metrics/softmax.js';
import { modelInfoFromBytes, readModelInfo, type ModelInfo } from '../model-info.js';
import { denormalize, nchwToNhwc, normalize } from '../../../web/normalize.js';
import type { InferenceRuntime, ModelFeed, RuntimeOptions } from './types.js';

function sameNormalization(a: Normalization, b: Normalization): boolean {
  return a.mean.length === b.mean.length && a.mean.every((m, i) => Math.abs(m - b.mean[i]) <= 1e-6 && Math.abs(a.std[i] - b.std[i]) <= 1e-6);
}

/** How an ONNX graph's input and output relate to the tfjs model it was exported from. */
export interface ReferenceSpec {
  /** Layout of the fed batch (an image model's one input). */
  inputLayout: 'NHWC' | 'NCHW';
  /** [H, W, C] of the image input, when the model has one image input. */
  inputShape?: ImageShape;
  /** Normalisation already applied to the fed batch; null: raw pixels (baked into the graph, or none recorded). */
  fed: Normalization | null;
  /** What the tfjs model was trained on; null: it takes the fed values as they are. */
  trained: Normalization | null;
  output: 'logits' | 'probabilities';
  temperature: number;
}

/**
 * A tfjs model as an InferenceRuntime that takes what its ONNX export takes: the batch is turned
 * back into what the model was trained on (NHWC, the training normalisation) with the shared
 * layout and normalisation code, and its logits into the graph's output kind (temperature,
 * probabilities), so outputs compare one to one. Several inputs are fed as they are.
 */
export function tfjsReference(model: tfl.LayersModel, spec: ReferenceSpec, note: string, dispose: () => void = () => {}): InferenceRuntime {
  const want = spec.trained;
  const renormalise = want !== null && (!spec.fed || !sameNormalization(spec.fed, want));
  const toTrained = (input: Float32Array, dims: readonly number[]): Float32Array => {
    if (!spec.inputShape) return input;
    const [h, w, c] = spec.inputShape;
    let x = spec.inputLayout === 'NCHW' ? nchwToNhwc(input, dims[0], c, h, w) : input;
    if (renormalise) x = normalize(spec.fed ? denormalize(x, spec.inputShape, spec.fed) : x, spec.inputShape, want);
    return x;
  };
  const runInputs = async (inputs: readonly ModelFeed[]) => {
    if (inputs.length !== model.inputs.length) {
      throw new IcmixError(`tfjs: the model has ${model.inputs.length} inputs but ${inputs.length} were fed; feed one array per input`);
    }
    const n = inputs[0].dims[0];
    const out = tf.tidy(() => {
      const xs = inputs.map(({ data, dims }, i) => {
        if (inputs.length > 1) return tf.tensor(data, [...dims]);
        const shape = spec.inputShape ? [n, ...spec.inputShape] : [...dims];
        return tf.tensor(toTrained(data, dims), shape);
      });
      let y = model.predict(xs.length === 1 ? xs[0] : xs) as tf.Tensor | tf.Tensor[];
      if (Array.isArray(y)) y = y[0];
      return y;
    });
    // An asynchronous read: the webgpu engine in Node has no synchronous one.
    const logits = (await out.data()) as Float32Array;
    out.dispose();
    const k = logits.length / n;
    const data = spec.output === 'probabilities' ? softmax(logits, k, spec.temperature) : spec.temperature === 1 ? Float32Array.from(logits) : logits.map((v) => v / spec.temperature);
    return { data, dims: [n, k] };
  };
  return {
    name: 'tfjs',
    requested: 'tfjs',
    note,
    run: (input, dims) => runInputs([{ data: input, dims }]),
    runInputs,
    async dispose() {
      dispose();
    },
  };
}

/**
 * The trained tfjs model of the run folder the .onnx sits in (or `opts.runDir`): the reference
 * the exported model is checked against. It takes the same preprocessed batch as the ONNX
 * runtimes (see tfjsReference).
 */
export async function createTfjsRuntime(modelPath: string, opts: RuntimeOptions = {}): Promise<InferenceRuntime> {
  const info: ModelInfo = opts.info ?? (opts.bytes ? modelInfoFromBytes(opts.bytes, modelPath) : await readModelInfo(modelPath));
  const runDir = opts.runDir ?? path.dirname(modelPath);
  const backend = await useBackend(opts.backend ?? 'auto');
  const loaded = await loadRunModel(runDir);
  // The graph's trailing softmax was stripped at export: compare with the same logits.
  const model = info.metadata[META.softmaxStripped] === 'true' ? await logitsModel(loaded.model) : loaded.model;
  const spec: ReferenceSpec = {
    inputLayout: info.inputLayout,
    inputShape: info.inputShape,
    // What preprocess applied to the batch, to be converted into the training normalisation.
    fed: !info.normalizationBaked && info.normalization ? info.normalization : null,
    trained: loaded.manifest.normalization,
    output: info.output,
    temperature: info.temperature,
  };
  return tfjsReference(model, spec, `tfjs ${tf.version_core} on ${backend.name}, model from ${path.join(runDir, 'model')}`, () => {
    if (model !== loaded.model) model.dispose();
    loaded.model.dispose();
  });
}
