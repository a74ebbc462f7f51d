import { DataType, type GraphProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from './schema.js';
import { decodeModel } from './codec.js';

/** Views of a decoded ModelProto that every reader (model info, inspect, calibrate) shares. */

/** Static dims of a graph input or output: numbers, or strings for symbolic dims (e.g. 'N'). */
export type GraphDims = (number | string)[];

/** Element type names for TensorProto.DataType values, as icmix prints them. */
export const DATA_TYPE_NAMES: Record<number, string> = {
  0: 'undefined', 1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64',
  8: 'string', 9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 14: 'complex64',
  15: 'complex128', 16: 'bfloat16',
};

/** metadata_props as a plain record (later duplicates win, as ONNX Runtime reads them). */
export function metadataOf(model: ModelProto): Record<string, string> {
  return Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
}

/** A tensor value's dims ('?' for a dim with neither value nor name), or null when it has no shape. */
export function valueDims(v: ValueInfoProto): GraphDims | null {
  const shape = v.type?.tensorType?.shape;
  if (!shape) return null;
  return (shape.dim ?? []).map((d) => (d.dimValue !== undefined ? d.dimValue : d.dimParam ?? '?'));
}

/** The graph's real inputs: older exporters also list initializers (weights) as inputs. */
export function graphInputs(g: GraphProto): ValueInfoProto[] {
  const initNames = new Set((g.initializer ?? []).map((t) => t.name));
  return (g.input ?? []).filter((v) => !initNames.has(v.name));
}

export interface OnnxHeader {
  metadata: Record<string, string>;
  /** elemType: TensorProto.DataType (undefined when the value has no tensor type). */
  inputs: { name: string; dims: GraphDims | null; elemType?: number }[];
  outputs: { name: string; dims: GraphDims | null; elemType?: number }[];
  /** op_type of the node producing each graph output, looking through PASS_THROUGH_OPS and ORDER_KEEPING_OPS ('' for none), in output order. */
  outputProducers: string[];
  /**
   * Per graph output: the scalar constant a Div applies last before it (through PASS_THROUGH_OPS and one
   * Softmax), i.e. the temperature icmix's exporter and calibrate put in the graph; null for none.
   */
  outputDivisors: (number | null)[];
}

/** The one value of a scalar float32 tensor, or null. */
function scalarFloat(t: TensorProto | undefined): number | null {
  if (!t || (t.dims ?? []).some((d) => Number(d) !== 1) || (t.dataType ?? DataType.FLOAT) !== DataType.FLOAT) return null;
  if (t.floatData?.length === 1) return t.floatData[0];
  const raw = t.rawData;
  if (raw && raw.length === 4) return new DataView(raw.buffer, raw.byteOffset, 4).getFloat32(0, true);
  return null;
}

/**
 * Ops that move values without changing them: a graph output reached through them is what the op
 * before them computed (Keras and tf2onnx heads often end Softmax -> Reshape).
 */
export const PASS_THROUGH_OPS = ['Identity', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze'];

/**
 * Elementwise ops that keep a probability row a probability row as far as any reader can tell:
 * `softmax(x).clamp(min=1e-7)` (a common PyTorch head) ends Softmax -> Clip, and a Cast to float32
 * changes only the type. Looked through when asking whether an output is a Softmax's, never when
 * reading values (the temperature divisor).
 */
export const ORDER_KEEPING_OPS = ['Clip', 'Cast'];

/** What model info needs from a decoded model: metadata, real inputs, outputs and their producers. */
export function headerOf(model: ModelProto): OnnxHeader {
  const g = model.graph ?? {};
  const producers = new Map<string, NodeProto>();
  for (const n of g.node ?? []) for (const o of n.output ?? []) producers.set(o, n);
  const through = (value: string, ops: string[]): NodeProto | undefined => {
    let n = producers.get(value);
    for (let hops = 0; n && ops.includes(n.opType ?? '') && hops < 100; hops++) n = producers.get(n.input?.[0] ?? '');
    return n;
  };
  const producerOp = (value: string): string => through(value, [...PASS_THROUGH_OPS, ...ORDER_KEEPING_OPS])?.opType ?? '';
  const io = (v: ValueInfoProto) => {
    const elemType = v.type?.tensorType?.elemType;
    return { name: v.name ?? '', dims: valueDims(v), ...(elemType ? { elemType: Number(elemType) } : {}) };
  };
  const outputs = (g.output ?? []).map(io);
  const inits = new Map((g.initializer ?? []).map((t) => [t.name ?? '', t]));
  const constant = (value: string): number | null => {
    const n = producers.get(value);
    if (!n) return scalarFloat(inits.get(value));
    return n.opType === 'Constant' ? scalarFloat(n.attribute?.find((a) => a.name === 'value')?.t) : null;
  };
  const divisor = (value: string): number | null => {
    let n = through(value, PASS_THROUGH_OPS);
    if (n?.opType === 'Softmax') n = through(n.input?.[0] ?? '', PASS_THROUGH_OPS);
    return n?.opType === 'Div' ? constant(n.input?.[1] ?? '') : null;
  };
  return {
    metadata: metadataOf(model),
    inputs: graphInputs(g).map(io),
    outputs,
    outputProducers: outputs.map((o) => producerOp(o.name)),
    outputDivisors: outputs.map((o) => divisor(o.name)),
  };
}

/** metadata_props, graph inputs/outputs and output producers of ONNX bytes. */
export function readOnnxHeader(bytes: Uint8Array, source?: string): OnnxHeader {
  return headerOf(decodeModel(bytes, source));
}
