import { promises as fs } from 'node:fs';
import protobuf from 'protobufjs/minimal.js';
import { META, type ImageShape, type Normalization } from '../types.js';
import { IcmixError } from '../util/errors.js';

/**
 * What eval, calibrate and serve need to know about an ONNX model, read from icmix's metadata
 * (META keys) and, where metadata is silent, from the graph's input/output shapes. With this a
 * user needs only the .onnx file and the images.
 */

/** The OOD threshold `icmix calibrate` stores: accept as in-distribution when score >= threshold. */
export interface OodThreshold {
  score: string;
  threshold: number;
  /** The in-distribution TPR the threshold was chosen for on the validation split. */
  tpr?: number;
}

export interface ModelInfo {
  /** The .onnx file as given. */
  path: string;
  classNames: string[];
  numClasses: number;
  /** [H, W, C] of one image. */
  inputShape: ImageShape;
  inputLayout: 'NHWC' | 'NCHW';
  /** Per-channel normalisation the model expects; null = feed pixels in [0, 1] as they are. */
  normalization: Normalization | null;
  /** True when the graph normalises itself (feed [0, 1] pixels). */
  normalizationBaked: boolean;
  /** Pixels in [0, 1] are multiplied by this before normalisation (255 for a 0-255 model); absent = 1. */
  inputScale?: number;
  /** What the graph's output holds. Any temperature is already applied inside the graph. */
  output: 'logits' | 'probabilities';
  /** Temperature applied in the graph (1 when uncalibrated). */
  temperature: number;
  oodThreshold: OodThreshold | null;
  method?: string;
  dataset?: string;
  version?: string;
  /** A fixed batch dimension of the graph input, or null when it is dynamic. */
  batchDim: number | null;
  /** Every metadata_props entry as stored. */
  metadata: Record<string, string>;
}

/** Static dims of a graph input or output: numbers, or strings for symbolic dims (e.g. 'N'). */
export type GraphDims = (number | string)[];

export interface OnnxHeader {
  metadata: Record<string, string>;
  inputs: { name: string; dims: GraphDims | null }[];
  outputs: { name: string; dims: GraphDims | null }[];
}

// ONNX protobuf field numbers (onnx.proto): only what this reader needs.
const MODEL_GRAPH = 7;
const MODEL_METADATA = 14;
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;
const GRAPH_INITIALIZER = 5;
const VALUE_INFO_NAME = 1;
const VALUE_INFO_TYPE = 2;
const TYPE_TENSOR = 1;
const TENSOR_TYPE_SHAPE = 2;
const SHAPE_DIM = 1;
const DIM_VALUE = 1;
const DIM_PARAM = 2;

type Reader = protobuf.Reader;

/** protobufjs returns int64 as a number or a Long, depending on whether `long` is installed. */
function toNumber(v: number | { toNumber(): number }): number {
  return typeof v === 'number' ? v : v.toNumber();
}

/** Iterate over the fields of a message ending at `end`, calling `on(field, wireType)`; `on` must consume the field or return false to skip it. */
function fields(r: Reader, end: number, on: (field: number, wire: number) => boolean): void {
  while (r.pos < end) {
    const tag = r.uint32();
    if (!on(tag >>> 3, tag & 7)) r.skipType(tag & 7);
  }
}

function readDims(r: Reader, end: number): GraphDims {
  const dims: GraphDims = [];
  fields(r, end, (f, w) => {
    if (f !== SHAPE_DIM || w !== 2) return false;
    const dimEnd = r.uint32() + r.pos;
    let d: number | string = '?';
    fields(r, dimEnd, (g) => {
      if (g === DIM_VALUE) d = toNumber(r.int64() as unknown as number | { toNumber(): number });
      else if (g === DIM_PARAM) d = r.string();
      else return false;
      return true;
    });
    dims.push(d);
    return true;
  });
  return dims;
}

function readValueInfo(r: Reader, end: number): { name: string; dims: GraphDims | null } {
  let name = '';
  let dims: GraphDims | null = null;
  fields(r, end, (f, w) => {
    if (f === VALUE_INFO_NAME) name = r.string();
    else if (f === VALUE_INFO_TYPE && w === 2) {
      const typeEnd = r.uint32() + r.pos;
      fields(r, typeEnd, (g, gw) => {
        if (g !== TYPE_TENSOR || gw !== 2) return false;
        const ttEnd = r.uint32() + r.pos;
        fields(r, ttEnd, (h, hw) => {
          if (h !== TENSOR_TYPE_SHAPE || hw !== 2) return false;
          dims = readDims(r, r.uint32() + r.pos);
          return true;
        });
        return true;
      });
    } else return false;
    return true;
  });
  return { name, dims };
}

/**
 * metadata_props and the graph's inputs/outputs of an ONNX ModelProto, without decoding the
 * weights (initializers are skipped by length). Initializers listed as graph inputs (old
 * exporters) are dropped from `inputs`.
 */
export function readOnnxHeader(bytes: Uint8Array): OnnxHeader {
  const r = protobuf.Reader.create(bytes);
  const metadata: Record<string, string> = {};
  const inputs: OnnxHeader['inputs'] = [];
  const outputs: OnnxHeader['outputs'] = [];
  const initNames = new Set<string>();
  fields(r, r.len, (f, w) => {
    if (w !== 2) return false;
    if (f === MODEL_METADATA) {
      const end = r.uint32() + r.pos;
      let key = '';
      let value = '';
      fields(r, end, (g) => {
        if (g === 1) key = r.string();
        else if (g === 2) value = r.string();
        else return false;
        return true;
      });
      metadata[key] = value;
    } else if (f === MODEL_GRAPH) {
      const end = r.uint32() + r.pos;
      fields(r, end, (g, gw) => {
        if (gw !== 2) return false;
        if (g === GRAPH_INPUT) inputs.push(readValueInfo(r, r.uint32() + r.pos));
        else if (g === GRAPH_OUTPUT) outputs.push(readValueInfo(r, r.uint32() + r.pos));
        else if (g === GRAPH_INITIALIZER) {
          // TensorProto.name is field 8; read it and skip the rest of the tensor.
          const tEnd = r.uint32() + r.pos;
          fields(r, tEnd, (h) => {
            if (h !== 8) return false;
            initNames.add(r.string());
            return true;
          });
        } else return false;
        return true;
      });
    } else return false;
    return true;
  });
  return { metadata, inputs: inputs.filter((i) => !initNames.has(i.name)), outputs };
}

function parseJson<T>(meta: Record<string, string>, key: string, file: string): T | undefined {
  if (meta[key] === undefined) return undefined;
  try {
    return JSON.parse(meta[key]) as T;
  } catch {
    throw new IcmixError(`${file}: metadata ${key} is not valid JSON (${meta[key].slice(0, 60)}); re-export the model with \`icmix export\``);
  }
}

/** ModelInfo from the parsed header; `file` names the model in error messages. */
export function modelInfoFromHeader(header: OnnxHeader, file: string): ModelInfo {
  const meta = header.metadata;
  const layoutRaw = (meta[META.inputLayout] ?? 'NHWC').toUpperCase();
  if (layoutRaw !== 'NHWC' && layoutRaw !== 'NCHW') {
    throw new IcmixError(`${file}: metadata ${META.inputLayout} is '${meta[META.inputLayout]}', expected NHWC or NCHW`);
  }
  const inputLayout = layoutRaw as 'NHWC' | 'NCHW';
  if (header.inputs.length !== 1) {
    throw new IcmixError(`${file}: the graph has ${header.inputs.length} inputs; icmix evaluates image classifiers with exactly one image input`);
  }
  const inDims = header.inputs[0].dims;
  let inputShape = parseJson<ImageShape>(meta, META.inputShape, file);
  if (!inputShape && inDims && inDims.length === 4 && inDims.slice(1).every((d) => typeof d === 'number')) {
    const d = inDims as number[];
    inputShape = inputLayout === 'NCHW' ? [d[2], d[3], d[1]] : [d[1], d[2], d[3]];
  }
  if (!inputShape || inputShape.length !== 3 || !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new IcmixError(`${file}: no image input shape [H, W, C] in metadata (${META.inputShape}) or in the graph input; export the model with \`icmix export\``);
  }
  const outDims = header.outputs[0]?.dims;
  const graphClasses = outDims && outDims.length === 2 && typeof outDims[1] === 'number' ? outDims[1] : undefined;
  const classNames = parseJson<string[]>(meta, META.classNames, file);
  const numClasses = classNames?.length ?? graphClasses;
  if (!numClasses) {
    throw new IcmixError(`${file}: cannot tell the number of classes (no ${META.classNames} metadata and the output shape is not [batch, classes])`);
  }
  if (graphClasses !== undefined && graphClasses !== numClasses) {
    throw new IcmixError(`${file}: metadata names ${numClasses} classes but the graph outputs ${graphClasses}; re-export the model`);
  }
  const normalization = parseJson<Normalization>(meta, META.normalization, file) ?? null;
  if (normalization && (normalization.mean?.length !== inputShape[2] || normalization.std?.length !== inputShape[2])) {
    throw new IcmixError(`${file}: metadata ${META.normalization} needs ${inputShape[2]} means and stds (one per channel)`);
  }
  const thr = parseJson<OodThreshold | number>(meta, META.oodThreshold, file);
  const temperature = meta[META.temperature] !== undefined ? Number(meta[META.temperature]) : 1;
  if (!(temperature > 0)) throw new IcmixError(`${file}: metadata ${META.temperature} is '${meta[META.temperature]}', expected a positive number`);
  const batch = inDims?.[0];
  return {
    path: file,
    classNames: classNames ?? Array.from({ length: numClasses }, (_, i) => String(i)),
    numClasses,
    inputShape,
    inputLayout,
    normalization,
    normalizationBaked: meta[META.normalizationBaked] === 'true',
    output: meta[META.output] === 'probabilities' ? 'probabilities' : 'logits',
    temperature,
    oodThreshold: thr === undefined ? null : typeof thr === 'number' ? { score: 'msp', threshold: thr } : thr,
    method: meta[META.method],
    dataset: meta[META.dataset],
    version: meta[META.version],
    batchDim: typeof batch === 'number' && batch > 0 ? batch : null,
    metadata: meta,
  };
}

/** Read an ONNX file's icmix metadata and input/output shapes. */
export async function readModelInfo(onnxPath: string): Promise<ModelInfo> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(onnxPath);
  } catch (e) {
    throw new IcmixError(`cannot read model ${onnxPath} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pass the .onnx written by \`icmix export\` or \`icmix calibrate\``);
  }
  return modelInfoFromBytes(bytes, onnxPath);
}

export function modelInfoFromBytes(bytes: Uint8Array, file: string): ModelInfo {
  let header: OnnxHeader;
  try {
    header = readOnnxHeader(bytes);
  } catch (e) {
    throw new IcmixError(`${file} is not a readable ONNX model (${(e as Error).message})`);
  }
  return modelInfoFromHeader(header, file);
}
