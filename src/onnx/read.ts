import type { GraphProto, ModelProto, NodeProto, ValueInfoProto } from './schema.js';
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
  inputs: { name: string; dims: GraphDims | null }[];
  outputs: { name: string; dims: GraphDims | null }[];
  /** op_type of the node producing each graph output, looking through Identity ('' for none), in output order. */
  outputProducers: string[];
}

/** What model info needs from a decoded model: metadata, real inputs, outputs and their producers. */
export function headerOf(model: ModelProto): OnnxHeader {
  const g = model.graph ?? {};
  const producers = new Map<string, NodeProto>();
  for (const n of g.node ?? []) for (const o of n.output ?? []) producers.set(o, n);
  const producerOp = (value: string): string => {
    let n = producers.get(value);
    for (let hops = 0; n?.opType === 'Identity' && hops < 100; hops++) n = producers.get(n.input?.[0] ?? '');
    return n?.opType ?? '';
  };
  const io = (v: ValueInfoProto) => ({ name: v.name ?? '', dims: valueDims(v) });
  const outputs = (g.output ?? []).map(io);
  return {
    metadata: metadataOf(model),
    inputs: graphInputs(g).map(io),
    outputs,
    outputProducers: outputs.map((o) => producerOp(o.name)),
  };
}

/** metadata_props, graph inputs/outputs and output producers of ONNX bytes. */
export function readOnnxHeader(bytes: Uint8Array, source?: string): OnnxHeader {
  return headerOf(decodeModel(bytes, source));
}
