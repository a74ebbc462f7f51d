/**
 * Test fixtures: a tiny image classifier (flatten → dense 8 → relu → dense K) built twice with the
 * same weights, as a hand-made ONNX graph (onnx-proto) and as a tfjs layers model in a run folder,
 * so every runtime can be checked against a hand computation and against each other.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import onnxProto from 'onnx-proto';
import { saveLayersModel } from '../../../src/run/model-io.js';
import { META, type ImageShape, type Normalization } from '../../../src/types.js';
import { RUN_FILES, type RunManifest } from '../../../src/run/index.js';
import { Rng } from '../../../src/util/rng.js';

const { onnx } = onnxProto;

export interface TinySpec {
  shape: ImageShape;
  classes: number;
  hidden?: number;
  layout?: 'NHWC' | 'NCHW';
  probabilities?: boolean;
  temperature?: number;
  normalization?: Normalization;
  bakeNormalization?: boolean;
  /** Omit icmix metadata entirely (a foreign model). */
  noMetadata?: boolean;
  /** Fixed batch dimension instead of a symbolic one. */
  batch?: number;
  seed?: number;
}

export interface TinyWeights {
  w1: Float32Array; // [h*w*c, hidden]
  b1: Float32Array; // [hidden]
  w2: Float32Array; // [hidden, classes]
  b2: Float32Array; // [classes]
}

export function tinyWeights(spec: TinySpec): TinyWeights {
  const [h, w, c] = spec.shape;
  const d = h * w * c;
  const hid = spec.hidden ?? 8;
  const rng = new Rng(spec.seed ?? 1);
  const r = (n: number, s: number) => Float32Array.from({ length: n }, () => rng.normal() * s);
  return { w1: r(d * hid, 1 / Math.sqrt(d)), b1: r(hid, 0.1), w2: r(hid * spec.classes, 1 / Math.sqrt(hid)), b2: r(spec.classes, 0.1) };
}

/** Hand computation: logits of already-normalised NHWC images [n, h, w, c]. */
export function referenceLogits(x: Float32Array, n: number, spec: TinySpec, wts: TinyWeights): Float64Array {
  const [h, w, c] = spec.shape;
  const d = h * w * c;
  const hid = spec.hidden ?? 8;
  const K = spec.classes;
  const out = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    const a = new Float64Array(hid);
    for (let j = 0; j < hid; j++) {
      let s = wts.b1[j];
      for (let p = 0; p < d; p++) s += x[i * d + p] * wts.w1[p * hid + j];
      a[j] = Math.max(0, s);
    }
    for (let k = 0; k < K; k++) {
      let s = wts.b2[k];
      for (let j = 0; j < hid; j++) s += a[j] * wts.w2[j * K + k];
      out[i * K + k] = s / (spec.temperature ?? 1);
    }
  }
  return out;
}

function floatInit(name: string, dims: number[], data: ArrayLike<number>) {
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: Array.from(data) };
}

function valueInfo(name: string, dims: (number | string)[]) {
  return {
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

export function tinyOnnx(spec: TinySpec, wts: TinyWeights = tinyWeights(spec)): Uint8Array {
  const [h, w, c] = spec.shape;
  const d = h * w * c;
  const hid = spec.hidden ?? 8;
  const K = spec.classes;
  const layout = spec.layout ?? 'NHWC';
  const nodes: object[] = [];
  const inits: object[] = [floatInit('w1', [d, hid], wts.w1), floatInit('b1', [hid], wts.b1), floatInit('w2', [hid, K], wts.w2), floatInit('b2', [K], wts.b2)];
  let cur = 'x';
  if (layout === 'NCHW') {
    nodes.push({ opType: 'Transpose', input: [cur], output: ['x_nhwc'], attribute: [{ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: [0, 2, 3, 1] }] });
    cur = 'x_nhwc';
  }
  if (spec.bakeNormalization && spec.normalization) {
    inits.push(floatInit('mean', [c], spec.normalization.mean), floatInit('std', [c], spec.normalization.std));
    nodes.push({ opType: 'Sub', input: [cur, 'mean'], output: ['xs'] }, { opType: 'Div', input: ['xs', 'std'], output: ['xn'] });
    cur = 'xn';
  }
  inits.push({ name: 'flat', dims: [2], dataType: onnx.TensorProto.DataType.INT64, int64Data: [-1, d] });
  nodes.push(
    { opType: 'Reshape', input: [cur, 'flat'], output: ['f'] },
    { opType: 'MatMul', input: ['f', 'w1'], output: ['m1'] },
    { opType: 'Add', input: ['m1', 'b1'], output: ['z1'] },
    { opType: 'Relu', input: ['z1'], output: ['a1'] },
    { opType: 'MatMul', input: ['a1', 'w2'], output: ['m2'] },
    { opType: 'Add', input: ['m2', 'b2'], output: ['logits'] },
  );
  cur = 'logits';
  if (spec.temperature !== undefined && spec.temperature !== 1) {
    inits.push(floatInit('T', [], [spec.temperature]));
    nodes.push({ opType: 'Div', input: [cur, 'T'], output: ['scaled'] });
    cur = 'scaled';
  }
  if (spec.probabilities) {
    nodes.push({ opType: 'Softmax', input: [cur], output: ['probs'], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 }] });
    cur = 'probs';
  }
  nodes.push({ opType: 'Identity', input: [cur], output: ['y'] });
  const batch = spec.batch ?? 'N';
  const inDims = layout === 'NCHW' ? [batch, c, h, w] : [batch, h, w, c];
  const metadataProps = spec.noMetadata
    ? []
    : Object.entries({
        [META.classNames]: JSON.stringify(Array.from({ length: K }, (_, i) => `class${i}`)),
        [META.inputShape]: JSON.stringify(spec.shape),
        [META.inputLayout]: layout,
        [META.output]: spec.probabilities ? 'probabilities' : 'logits',
        [META.temperature]: String(spec.temperature ?? 1),
        [META.normalizationBaked]: String(!!spec.bakeNormalization),
        ...(spec.normalization ? { [META.normalization]: JSON.stringify(spec.normalization) } : {}),
        [META.method]: 'ce',
      }).map(([key, value]) => ({ key, value }));
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'icmix-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph: { name: 'tiny', node: nodes, initializer: inits, input: [valueInfo('x', inDims)], output: [valueInfo('y', [batch, K])] },
    metadataProps,
  });
  return onnx.ModelProto.encode(model).finish();
}

/** The same network as a tfjs layers model (normalised NHWC in, logits out). */
export function tinyTfjs(spec: TinySpec, wts: TinyWeights = tinyWeights(spec)): tfl.LayersModel {
  const [h, w, c] = spec.shape;
  const hid = spec.hidden ?? 8;
  const m = tfl.sequential();
  m.add(tfl.layers.flatten({ inputShape: [h, w, c] }));
  m.add(tfl.layers.dense({ units: hid, activation: 'relu' }));
  m.add(tfl.layers.dense({ units: spec.classes }));
  m.setWeights([tf.tensor2d(wts.w1, [h * w * c, hid]), tf.tensor1d(wts.b1), tf.tensor2d(wts.w2, [hid, spec.classes]), tf.tensor1d(wts.b2)]);
  return m;
}

/** A run folder with the tfjs model, a manifest and model.onnx; returns its path. */
export async function tinyRunDir(spec: TinySpec, extraManifest: Partial<RunManifest> = {}): Promise<{ runDir: string; onnxPath: string; weights: TinyWeights }> {
  const runDir = await fs.mkdtemp(path.join(os.tmpdir(), 'icmix-evalrt-'));
  const weights = tinyWeights(spec);
  const norm = spec.normalization ?? { mean: new Array(spec.shape[2]).fill(0), std: new Array(spec.shape[2]).fill(1) };
  await saveLayersModel(tinyTfjs(spec, weights), path.join(runDir, RUN_FILES.model));
  const manifest: RunManifest = {
    icmixVersion: 'test',
    createdAt: new Date(0).toISOString(),
    config: {},
    dataset: { name: 'synthetic', protocol: {}, trainSize: 0, valSize: 0, testSize: 0, classCounts: [] },
    classNames: Array.from({ length: spec.classes }, (_, i) => `class${i}`),
    inputShape: spec.shape,
    normalization: norm,
    backend: 'cpu',
    versions: {},
    ...extraManifest,
  };
  await fs.writeFile(path.join(runDir, RUN_FILES.manifest), JSON.stringify(manifest));
  const onnxPath = path.join(runDir, RUN_FILES.onnx);
  await fs.writeFile(onnxPath, tinyOnnx({ ...spec, normalization: norm }, weights));
  return { runDir, onnxPath, weights };
}

/** n random images [n, h, w, c] in [0, 1]. */
export function randomImages(n: number, shape: ImageShape, seed = 7): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * shape[0] * shape[1] * shape[2] }, () => rng.next());
}
