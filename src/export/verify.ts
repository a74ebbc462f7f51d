import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { decodeModel, metadataOf } from '../onnx/index.js';
import { META, type Normalization } from '../types.js';
import { logitsModel } from './softmax-head.js';
import { IcmixError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import type { VerifyResult, VerifySet } from './types.js';

/**
 * Run an exported graph in onnxruntime-node next to the tfjs model it came from and compare
 * outputs. Inputs are images in [0, 1]: the tfjs model gets them normalised (as in training),
 * the ONNX graph gets whatever its options say (raw when normalisation is baked, NCHW when asked).
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
}

export const DEFAULT_TOLERANCE = 1e-4;
export const DEFAULT_RELATIVE_TOLERANCE = 1e-6;

type Ort = typeof import('onnxruntime-node');

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

async function verifyWith(model: tfl.LayersModel, onnx: Uint8Array, opts: VerifyOptions): Promise<VerifyResult> {
  const tolerance = opts.tolerance ?? DEFAULT_TOLERANCE;
  const relativeTolerance = opts.relativeTolerance ?? DEFAULT_RELATIVE_TOLERANCE;
  const ort: Ort = await import('onnxruntime-node');
  let session: Awaited<ReturnType<Ort['InferenceSession']['create']>>;
  try {
    session = await ort.InferenceSession.create(onnx, { graphOptimizationLevel: 'all' });
  } catch (e) {
    throw new IcmixError(`onnxruntime-node cannot load the exported model: ${(e as Error).message}`);
  }
  try {
    const rng = new Rng(opts.seed ?? 0);
    const shapes = model.inputs.map((t) => t.shape.slice(1) as number[]);
    if (shapes.some((s) => s.some((d) => d === null))) {
      throw new IcmixError('verification needs fully known input shapes (apart from the batch); pass verify: false to skip it');
    }
    const sets: VerifySet[] = [];
    const n = opts.samples ?? 16;
    // Pixels in [0, 1] when there is a normalisation to apply; otherwise the model's inputs are
    // arbitrary reals, so standard normal values exercise negative inputs too.
    const draw = (size: number) =>
      Float32Array.from({ length: size }, () => (opts.normalization ? rng.next() : rng.normal()));
    const random = shapes.map((s) => draw(n * s.reduce((a, b) => a * b, 1)));
    const tol = { atol: tolerance, rtol: relativeTolerance };
    sets.push(await compare('random', model, session, ort, random, n, opts, tol));
    if (opts.images && opts.images.n > 0) {
      if (shapes.length !== 1) throw new IcmixError('real-image verification needs a single-input model');
      sets.push(await compare('real', model, session, ort, [opts.images.data], opts.images.n, opts, tol));
    }
    const samples = sets.reduce((a, s) => a + s.samples, 0);
    const maxAbsDiff = Math.max(...sets.map((s) => s.maxAbsDiff));
    const agree = sets.reduce((a, s) => a + s.top1Agreement * s.samples, 0) / samples;
    return {
      output: opts.probabilities ? 'probabilities' : 'logits',
      samples,
      maxAbsDiff,
      top1Agreement: agree,
      tolerance,
      relativeTolerance,
      passed: sets.every((x) => x.withinTolerance),
      sets,
    };
  } finally {
    await session.release();
  }
}

async function compare(
  name: string,
  model: tfl.LayersModel,
  session: Awaited<ReturnType<Ort['InferenceSession']['create']>>,
  ort: Ort,
  inputs: Float32Array[],
  n: number,
  opts: VerifyOptions,
  tol: { atol: number; rtol: number },
): Promise<VerifySet> {
  const shapes = model.inputs.map((t) => t.shape.slice(1) as number[]);
  const norm = opts.normalization;
  const tfInputs = inputs.map((x, i) => (norm ? normalise(x, shapes[i], norm) : x));
  const expected = tf.tidy(() => {
    const xs = tfInputs.map((x, i) => tf.tensor(x, [n, ...shapes[i]]));
    let y = model.predict(xs.length === 1 ? xs[0] : xs) as tf.Tensor | tf.Tensor[];
    if (Array.isArray(y)) y = y[0];
    if (opts.temperature !== undefined) y = tf.div(y, opts.temperature);
    if (opts.probabilities) y = tf.softmax(y);
    return { data: y.dataSync() as Float32Array, shape: y.shape };
  });
  const feeds: Record<string, unknown> = {};
  session.inputNames.forEach((inputName, i) => {
    let x = opts.bakeNormalization ? inputs[i] : tfInputs[i];
    let dims = [n, ...shapes[i]];
    if (opts.inputLayout === 'nchw') {
      x = nhwcToNchw(x, n, shapes[i]);
      dims = [n, shapes[i][2], shapes[i][0], shapes[i][1]];
    }
    feeds[inputName] = new ort.Tensor('float32', x, dims);
  });
  const out = (await session.run(feeds as never))[session.outputNames[0]];
  const got = out.data as Float32Array;
  if (got.length !== expected.data.length) {
    throw new IcmixError(`the ONNX output has ${got.length} values but tfjs gives ${expected.data.length} (shape [${expected.shape}])`);
  }
  const classes = expected.data.length / n;
  let max = 0;
  let sum = 0;
  let agree = 0;
  let within = true;
  for (let i = 0; i < n; i++) {
    let ai = 0;
    let bi = 0;
    for (let c = 0; c < classes; c++) {
      const k = i * classes + c;
      const d = Math.abs(got[k] - expected.data[k]);
      // NaN anywhere counts as an infinite difference.
      const dd = Number.isNaN(d) ? Infinity : d;
      if (!(dd <= tol.atol + tol.rtol * Math.abs(expected.data[k]))) within = false;
      if (dd > max) max = dd;
      sum += dd;
      if (got[k] > got[i * classes + ai]) ai = c;
      if (expected.data[k] > expected.data[i * classes + bi]) bi = c;
    }
    if (ai === bi) agree++;
  }
  return { name, samples: n, maxAbsDiff: max, meanAbsDiff: sum / expected.data.length, top1Agreement: agree / n, withinTolerance: within };
}

/** (x - mean[c]) / std[c] over the last axis. */
function normalise(x: Float32Array, shape: number[], norm: Normalization): Float32Array {
  const c = shape[shape.length - 1];
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const k = norm.mean.length === 1 ? 0 : i % c;
    out[i] = (x[i] - norm.mean[k]) / norm.std[k];
  }
  return out;
}

export function nhwcToNchw(x: Float32Array, n: number, [h, w, c]: number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++)
        for (let ch = 0; ch < c; ch++) out[((b * c + ch) * h + y) * w + xx] = x[((b * h + y) * w + xx) * c + ch];
  return out;
}
