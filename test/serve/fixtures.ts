import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import onnxProto from 'onnx-proto';
import { META, type ImageShape, type Normalization } from '../../src/types.js';
import { Rng } from '../../src/util/rng.js';

const { onnx } = onnxProto;

/**
 * A tiny linear classifier as an ONNX file with icmix metadata, plus a plain-JS reference of what
 * the server should answer: logits = (flatten(normalise(x)) · W + b) / T inside the graph,
 * probs = softmax(logits).
 */
export interface TestModel {
  path: string;
  dir: string;
  shape: ImageShape;
  classes: number;
  classNames: string[];
  temperature: number;
  oodThreshold: number | null;
  /** images [n, h, w, c] in [0, 1] → probabilities [n, classes] in float64. */
  reference(images: Float32Array, n: number): number[][];
}

export interface TestModelOptions {
  shape?: ImageShape;
  classes?: number;
  temperature?: number;
  oodThreshold?: number | null;
  normalization?: Normalization;
  seed?: number;
}

export function makeTestModel(opts: TestModelOptions = {}): TestModel {
  const shape = opts.shape ?? [28, 28, 1];
  const classes = opts.classes ?? 10;
  const temperature = opts.temperature ?? 1.5;
  const oodThreshold = opts.oodThreshold === undefined ? 0.5 : opts.oodThreshold;
  const [h, w, c] = shape;
  const d = h * w * c;
  const norm = opts.normalization ?? { mean: Array(c).fill(0.3), std: Array(c).fill(0.25) };
  const rng = new Rng(opts.seed ?? 7);
  // Weights large enough that different images get clearly different, non-uniform outputs.
  const W = Float32Array.from({ length: d * classes }, () => rng.normal() * 0.08);
  const b = Float32Array.from({ length: classes }, () => rng.normal() * 0.5);
  const classNames = Array.from({ length: classes }, (_, i) => `class_${i}`);

  const f = onnx.TensorProto.DataType.FLOAT;
  const tensor = (name: string, dims: number[], data: Float32Array) =>
    onnx.TensorProto.create({ name, dims, dataType: f, rawData: new Uint8Array(data.buffer.slice(0)) });
  const vinfo = (name: string, dims: (number | string)[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: {
          elemType: f,
          shape: { dim: dims.map((x) => (typeof x === 'number' ? { dimValue: x } : { dimParam: x })) },
        },
      },
    });
  const graph = onnx.GraphProto.create({
    name: 'linear',
    node: [
      onnx.NodeProto.create({ opType: 'Reshape', input: ['input', 'flat_shape'], output: ['flat'], name: 'flatten' }),
      onnx.NodeProto.create({ opType: 'MatMul', input: ['flat', 'W'], output: ['mm'], name: 'matmul' }),
      onnx.NodeProto.create({ opType: 'Add', input: ['mm', 'b'], output: ['raw'], name: 'bias' }),
      // The temperature lives in the graph, as icmix export / calibrate write it.
      onnx.NodeProto.create({ opType: 'Div', input: ['raw', 'T'], output: ['logits'], name: 'temperature' }),
    ],
    initializer: [
      tensor('W', [d, classes], W),
      tensor('b', [classes], b),
      tensor('T', [], Float32Array.of(temperature)),
      onnx.TensorProto.create({ name: 'flat_shape', dims: [2], dataType: onnx.TensorProto.DataType.INT64, int64Data: [-1, d] }),
    ],
    input: [vinfo('input', ['batch', h, w, c])],
    output: [vinfo('logits', ['batch', classes])],
  });
  const metadata: Record<string, string> = {
    [META.classNames]: JSON.stringify(classNames),
    [META.normalization]: JSON.stringify(norm),
    [META.normalizationBaked]: 'false',
    [META.inputLayout]: 'NHWC',
    [META.inputShape]: JSON.stringify(shape),
    [META.output]: 'logits',
    [META.temperature]: String(temperature),
  };
  if (oodThreshold !== null) metadata[META.oodThreshold] = JSON.stringify({ score: 'msp', threshold: oodThreshold, tpr: 0.95 });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'icmix-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph,
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  });
  const bytes = onnx.ModelProto.encode(model).finish();
  const dir = mkdtempSync(path.join(tmpdir(), 'icmix-serve-'));
  const file = path.join(dir, 'model.onnx');
  writeFileSync(file, bytes);

  return {
    path: file,
    dir,
    shape,
    classes,
    classNames,
    temperature,
    oodThreshold,
    reference(images, n) {
      const out: number[][] = [];
      for (let i = 0; i < n; i++) {
        const logits = Array.from(b, Number);
        for (let j = 0; j < d; j++) {
          const x = (images[i * d + j] - norm.mean[j % c]) / norm.std[j % c];
          for (let k = 0; k < classes; k++) logits[k] += x * W[j * classes + k];
        }
        const z = logits.map((l) => l / temperature);
        const m = Math.max(...z);
        const e = z.map((v) => Math.exp(v - m));
        const s = e.reduce((a, v) => a + v, 0);
        out.push(e.map((v) => v / s));
      }
      return out;
    },
  };
}

/** n seeded random images [n, h, w, c] in [0, 1], quantised to 8 bits so PNG round trips are exact. */
export function randomImages(n: number, shape: ImageShape, seed = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * shape[0] * shape[1] * shape[2] }, () => rng.int(256) / 255);
}
