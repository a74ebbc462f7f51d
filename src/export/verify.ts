import type * as tfl from '@tensorflow/tfjs-layers';
import { createRuntime, DEFAULT_RUNTIME } from '../infer/runtimes/index.js';
import { tfjsReference } from '../infer/runtimes/tfjs.js';
import type { InferenceRuntime, ModelFeed } from '../infer/runtimes/types.js';
import { maxAbsDiff, meanAbsDiff, top1Agreement, withinTolerance } from '../infer/metrics/parity.js';
import { decodeModel, metadataOf } from '../onnx/index.js';
import { META, type ImageShape, type Normalization } from '../types.js';
import { logitsModel } from '../run/softmax-head.js';
import { IcmixError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { toModelInput } from '../../web/normalize.js';
import type { VerifyResult, VerifySet } from './types.js';

/**
 * Run an exported graph in onnxruntime-node next to the tfjs model it came from and compare
 * outputs, through the same code eval uses: the registry's cpu runtime, the tfjs reference
 * runtime, the one normalisation and layout conversion, and the parity metrics. Inputs are
 * images in [0, 1], preprocessed as the graph's options say (raw when normalisation is baked,
 * NCHW when asked); the tfjs reference turns that batch back into what training fed the model.
 */
export interface VerifyOptions {
  inputLayout?: 'nhwc' | 'nchw';
  normalization?: Normalization;
  bakeNormalization?: boolean;
  probabilities?: boolean;
  temperature?: number;
  /** Max abs difference allowed (default 1e-4)... */
  tolerance?: number;
  /**
   * ...plus this times |tfjs value| (default 1e-6), so float32 rounding of very large outputs
   * (an untrained ResNet-56 has logits in the thousands, where one float32 step is ~5e-4) does
   * not count as a mismatch; negligible for trained models' logits.
   */
  relativeTolerance?: number;
  /** Random inputs to draw (default 16). */
  samples?: number;
  seed?: number;
  /** Real images, NHWC in [0, 1] (single-input image models only). */
  images?: { data: Float32Array; n: number };
  /** ONNX Runtime's intra-op threads (default: every core; a study cell passes its share). */
  threads?: number;
}

export const DEFAULT_TOLERANCE = 1e-4;
export const DEFAULT_RELATIVE_TOLERANCE = 1e-6;

/** Compare tfjs and ONNX Runtime on random (and optionally real) inputs. */
export async function verifyOnnx(tfModel: tfl.LayersModel, onnx: Uint8Array, opts: VerifyOptions = {}): Promise<VerifyResult> {
  // A graph whose trailing softmax the exporter stripped is compared with the tfjs logits.
  const stripped = metadataOf(decodeModel(onnx))[META.softmaxStripped] === 'true';
  const model = stripped ? await logitsModel(tfModel) : tfModel;
  try {
    return await verifyWith(model, onnx, opts);
  } finally {
    if (model !== tfModel) model.dispose();
  }
}

/** How the graph wants its inputs: one image input gets preprocessing, other graphs raw values. */
interface Feeding {
  shapes: number[][];
  image?: { inputShape: ImageShape; inputLayout: 'NHWC' | 'NCHW'; normalization: Normalization | null; normalizationBaked: boolean };
}

function feeding(model: tfl.LayersModel, opts: VerifyOptions): Feeding {
  const shapes = model.inputs.map((t) => t.shape.slice(1) as number[]);
  if (shapes.some((s) => s.some((d) => d === null))) {
    throw new IcmixError('verification needs fully known input shapes (apart from the batch); pass verify: false to skip it');
  }
  const isImage = shapes.length === 1 && shapes[0].length === 3;
  const norm = opts.normalization;
  if (!isImage) {
    if (norm) throw new IcmixError(`verification normalises one image input [H, W, C]; this model's inputs are ${shapes.map((s) => `[${s}]`).join(', ')}: pass no normalization`);
    return { shapes };
  }
  const inputShape = shapes[0] as ImageShape;
  const c = inputShape[2];
  // One mean/std for every channel is allowed (the exporter broadcasts it too).
  const perChannel = norm && norm.mean.length === 1 && c > 1 ? { mean: Array(c).fill(norm.mean[0]), std: Array(c).fill(norm.std[0]) } : norm;
  return {
    shapes,
    image: { inputShape, inputLayout: opts.inputLayout === 'nchw' ? 'NCHW' : 'NHWC', normalization: perChannel ?? null, normalizationBaked: opts.bakeNormalization === true },
  };
}

async function verifyWith(model: tfl.LayersModel, onnx: Uint8Array, opts: VerifyOptions): Promise<VerifyResult> {
  const tolerance = opts.tolerance ?? DEFAULT_TOLERANCE;
  const relativeTolerance = opts.relativeTolerance ?? DEFAULT_RELATIVE_TOLERANCE;
  const feed = feeding(model, opts);
  const image = feed.image;
  const ort = await createRuntime(DEFAULT_RUNTIME, 'the exported model', { bytes: onnx, threads: opts.threads });
  const reference = tfjsReference(
    model,
    {
      inputLayout: image?.inputLayout ?? 'NHWC',
      inputShape: image?.inputShape,
      fed: image && !image.normalizationBaked ? image.normalization : null,
      trained: image?.normalization ?? null,
      output: opts.probabilities ? 'probabilities' : 'logits',
      temperature: opts.temperature ?? 1,
    },
    'tfjs (the exported model)',
  );
  try {
    const rng = new Rng(opts.seed ?? 0);
    const sets: VerifySet[] = [];
    const n = opts.samples ?? 16;
    // Pixels in [0, 1] when there is a normalisation to apply; otherwise the model's inputs are
    // arbitrary reals, so standard normal values exercise negative inputs too.
    const draw = (size: number) =>
      Float32Array.from({ length: size }, () => (opts.normalization ? rng.next() : rng.normal()));
    const random = feed.shapes.map((s) => draw(n * s.reduce((a, b) => a * b, 1)));
    const tol = { atol: tolerance, rtol: relativeTolerance };
    sets.push(await compare('random', ort, reference, feed, random, n, tol));
    if (opts.images && opts.images.n > 0) {
      if (feed.shapes.length !== 1) throw new IcmixError('real-image verification needs a single-input model');
      sets.push(await compare('real', ort, reference, feed, [opts.images.data], opts.images.n, tol));
    }
    const samples = sets.reduce((a, s) => a + s.samples, 0);
    const maxDiff = Math.max(...sets.map((s) => s.maxAbsDiff));
    const agree = sets.reduce((a, s) => a + s.top1Agreement * s.samples, 0) / samples;
    return {
      output: opts.probabilities ? 'probabilities' : 'logits',
      samples,
      maxAbsDiff: maxDiff,
      top1Agreement: agree,
      tolerance,
      relativeTolerance,
      passed: sets.every((x) => x.withinTolerance),
      sets,
    };
  } finally {
    await ort.dispose();
    await reference.dispose();
  }
}

function runAll(rt: InferenceRuntime, feeds: ModelFeed[]): Promise<{ data: Float32Array; dims: number[] }> {
  if (!rt.runInputs) throw new IcmixError(`runtime ${rt.name} cannot feed a graph's inputs for verification`);
  return rt.runInputs(feeds);
}

/** Run one input set [n, ...] on both runtimes and compare with the parity metrics. */
async function compare(
  name: string,
  ort: InferenceRuntime,
  reference: InferenceRuntime,
  feed: Feeding,
  inputs: Float32Array[],
  n: number,
  tol: { atol: number; rtol: number },
): Promise<VerifySet> {
  const feeds: ModelFeed[] = feed.image ? [toModelInput(inputs[0], n, feed.image)] : inputs.map((data, i) => ({ data, dims: [n, ...feed.shapes[i]] }));
  const got = Float32Array.from((await runAll(ort, feeds)).data);
  const expected = await runAll(reference, feeds);
  if (got.length !== expected.data.length) {
    throw new IcmixError(`the ONNX output has ${got.length} values but tfjs gives ${expected.data.length} (shape [${expected.dims}])`);
  }
  const classes = expected.data.length / n;
  if (![...got, ...expected.data].every(Number.isFinite)) {
    // A NaN or infinite output fails verification (the parity metrics take finite values only).
    return { name, samples: n, maxAbsDiff: Infinity, meanAbsDiff: Infinity, top1Agreement: 0, withinTolerance: false };
  }
  return {
    name,
    samples: n,
    maxAbsDiff: maxAbsDiff(got, expected.data, classes),
    meanAbsDiff: meanAbsDiff(got, expected.data, classes),
    top1Agreement: top1Agreement(got, expected.data, classes),
    withinTolerance: withinTolerance(got, expected.data, classes, tol.atol, tol.rtol),
  };
}
