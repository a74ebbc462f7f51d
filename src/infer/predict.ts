import { IcmixError } from '../util/errors.js';
import { logitsFromProbabilities, softmax } from './metrics/softmax.js';
import type { ModelInfo } from './model-info.js';
import { checkFirstOutputs } from './output-check.js';
import { preprocess } from './preprocess.js';
import type { InferenceRuntime } from './runtimes/types.js';

/** A model's outputs on a set of images, both as probabilities and as logits. */
export interface Predictions {
  n: number;
  numClasses: number;
  /** [n, C] softmax probabilities (after any temperature in the graph). */
  probs: Float32Array;
  /** [n, C] logits; log-probabilities when the model outputs probabilities (the logit scale is lost). */
  logits: Float32Array;
}

export const DEFAULT_BATCH_SIZE = 256;

export interface PredictOptions {
  batchSize?: number;
  /** Called after each batch with images done so far. */
  onProgress?: (done: number, total: number) => void;
}

/** The images per run call: a graph with a fixed batch dimension accepts only that batch size. */
export function batchLength(info: Pick<ModelInfo, 'batchDim'>, batchSize: number | undefined): number {
  return info.batchDim ?? Math.max(1, Math.floor(batchSize ?? DEFAULT_BATCH_SIZE));
}

/** How many run calls `n` images take (what a progress bar counts). */
export function batchCount(info: Pick<ModelInfo, 'batchDim'>, n: number, batchSize: number | undefined): number {
  return Math.ceil(n / batchLength(info, batchSize));
}

/** Raw outputs [n, C] (as the graph emits them), batch by batch. */
export async function predictRaw(runtime: InferenceRuntime, info: ModelInfo, images: Float32Array, n: number, opts: PredictOptions = {}): Promise<Float32Array> {
  const batch = batchLength(info, opts.batchSize);
  const [h, w, c] = info.inputShape;
  const size = h * w * c;
  if (images.length !== n * size) {
    throw new IcmixError(`${info.path}: the images are not [${n}, ${h}, ${w}, ${c}] as the model expects (${images.length} values); image shapes must match the model's input`);
  }
  const C = info.numClasses;
  const out = new Float32Array(n * C);
  for (let start = 0; start < n; start += batch) {
    const m = Math.min(batch, n - start);
    let chunk = images.subarray(start * size, (start + m) * size);
    if (info.batchDim !== null && m < batch) {
      // Pad the last batch of a fixed-batch graph with zeros and drop the padding's outputs.
      const padded = new Float32Array(batch * size);
      padded.set(chunk);
      chunk = padded;
    }
    const { data, dims } = preprocess(chunk, chunk.length / size, info);
    const res = await runtime.run(data, dims);
    if (res.data.length !== dims[0] * C) {
      throw new IcmixError(`${info.path} on ${runtime.name}: output has ${res.data.length} values for a batch of ${dims[0]}, expected [${dims[0]}, ${C}]`);
    }
    // The graph may not settle whether these are logits or probabilities; the first rows do.
    if (start === 0) checkFirstOutputs(info, res.data, m, C, info.outputProducer === 'Softmax');
    out.set(res.data.subarray(0, m * C), start * C);
    opts.onProgress?.(start + m, n);
  }
  return out;
}

/** Probabilities and logits of images [n, H, W, C] in [0, 1]. */
export async function predict(runtime: InferenceRuntime, info: ModelInfo, images: Float32Array, n: number, opts: PredictOptions = {}): Promise<Predictions> {
  const raw = await predictRaw(runtime, info, images, n, opts);
  return toPredictions(raw, n, info.numClasses, info.output);
}

/** Raw graph outputs → probabilities and logits. */
function toPredictions(raw: Float32Array, n: number, numClasses: number, output: ModelInfo['output']): Predictions {
  if (output === 'probabilities') return { n, numClasses, probs: raw, logits: logitsFromProbabilities(raw) };
  return { n, numClasses, probs: softmax(raw, numClasses), logits: raw };
}

/** [n, C] probabilities of images [n, H, W, C] in [0, 1]. */
export async function predictProbabilities(runtime: InferenceRuntime, info: ModelInfo, images: Float32Array, n: number, batchSize = DEFAULT_BATCH_SIZE): Promise<Float32Array> {
  // Only the probabilities: this is the serving path, so no logits are derived and thrown away.
  const raw = await predictRaw(runtime, info, images, n, { batchSize });
  return info.output === 'probabilities' ? raw : softmax(raw, info.numClasses);
}
