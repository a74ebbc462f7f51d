import type { ModelInfo } from '../infer/model-info.js';
import { loadModelInfo, type ModelOverrides } from '../infer/model-overrides.js';
import { predictProbabilities } from '../infer/predict.js';
import { createRuntime, SERVABLE_RUNTIMES, type FallbackRuntime } from '../infer/runtimes/index.js';
import { IcmixError } from '../util/errors.js';
import { checkModelFile } from '../run/staleness.js';
import { META } from '../types.js';

/**
 * The served model: the shared inference layer (src/infer: metadata, preprocessing, runtimes,
 * logits → probabilities) behind one small interface, the only one the rest of src/serve sees.
 */
export type ServeModelInfo = ModelInfo;

export interface ServeModel {
  info: ServeModelInfo;
  /** The runtime that runs (cpu after a fallback) and its details. */
  runtime: string;
  note?: string;
  /** images [n, H, W, C] in [0, 1] → probabilities [n, classes] (the model's temperature is in its graph). */
  predict(images: Float32Array, n: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/** Runtimes icmix serve offers: the registry's servable ones (GPU in the browser is the web page's job). */
export const SERVE_RUNTIMES = SERVABLE_RUNTIMES;

/** Load an ONNX model for serving on onnxruntime-node (cpu, cuda) or onnxruntime-web (wasm, in Node). */
export async function loadServeModel(modelPath: string, runtime: string, opts: { threads?: number; fallback?: FallbackRuntime; overrides?: ModelOverrides } = {}): Promise<ServeModel> {
  if (!(SERVE_RUNTIMES as readonly string[]).includes(runtime)) {
    throw new IcmixError(`unknown runtime '${runtime}' for icmix serve; choose one of: ${SERVE_RUNTIMES.join(', ')}`);
  }
  const { info } = await loadModelInfo(modelPath, opts.overrides);
  // A model.onnx left from an earlier run in its folder is refused before it is served.
  await checkModelFile(modelPath, info.metadata[META.weightsSha256]);
  const rt = await createRuntime(runtime as (typeof SERVE_RUNTIMES)[number], modelPath, { threads: opts.threads, fallback: opts.fallback, info });
  // What a graph does not say about its output is read off one image now, so a probability head
  // taken for logits stops the server at start rather than answering every request wrongly.
  if (info.metadata[META.output] === undefined || (info.output === 'probabilities' && info.outputProducer !== 'Softmax')) {
    const [h, w, c] = info.inputShape;
    try {
      await predictProbabilities(rt, info, new Float32Array(h * w * c).fill(0.5), 1, 1);
    } catch (e) {
      await rt.dispose();
      throw e;
    }
  }
  return {
    info,
    runtime: rt.name,
    note: rt.note,
    // One runtime call per batcher batch (a fixed-batch graph is padded by predictProbabilities).
    predict: (images, n) => predictProbabilities(rt, info, images, n, n),
    dispose: () => rt.dispose(),
  };
}
