import { AttributeType, DataType, type AttributeProto, type NodeProto, type TensorProto, type ValueInfoProto } from '../onnx/index.js';

/**
 * A mutable ONNX graph under construction: nodes in topological order, float32/int64
 * initializers kept as typed arrays until the end (so passes like BN folding can edit weights),
 * and unique value names.
 */

/** An attribute value, tagged with its ONNX type. */
export type AttrValue =
  | { int: number }
  | { float: number }
  | { ints: number[] }
  | { floats: number[] }
  | { string: string };

export type Attrs = Record<string, AttrValue>;

export interface GraphNode {
  op: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attrs: Attrs;
}

export interface Initializer {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array;
}

export class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  readonly initializers = new Map<string, Initializer>();
  private readonly used = new Set<string>();
  private readonly constCache = new Map<string, string>();

  /** A value name based on `base` not used before (ONNX needs each name defined once). */
  unique(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./:-]/g, '_') || 'v';
    let name = clean;
    for (let i = 1; this.used.has(name); i++) name = `${clean}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Reserve an exact name (graph inputs); throws if taken. */
  reserve(name: string): string {
    if (this.used.has(name)) throw new Error(`internal error: ONNX value name '${name}' used twice`);
    this.used.add(name);
    return name;
  }

  /** A float32 weight tensor. */
  floatTensor(base: string, data: Float32Array, dims: number[]): string {
    const n = dims.reduce((a, b) => a * b, 1);
    if (n !== data.length) throw new Error(`internal error: ${base} has ${data.length} values for dims [${dims}]`);
    const name = this.unique(base);
    this.initializers.set(name, { name, dims, data });
    return name;
  }

  /** A small int64 constant (shapes, pads, axes), shared between nodes that need the same one. */
  int64s(base: string, values: number[]): string {
    const key = `i64:${values.join(',')}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const name = this.unique(base);
    this.initializers.set(name, { name, dims: [values.length], data: BigInt64Array.from(values.map((v) => BigInt(v))) });
    this.constCache.set(key, name);
    return name;
  }

  /** A float32 constant of any shape, shared between nodes that need the same one. */
  floatConst(base: string, values: number[] | Float32Array, dims: number[]): string {
    const data = Float32Array.from(values);
    const key = `f32:${dims.join('x')}:${Array.from(data).join(',')}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const name = this.floatTensor(base, data, dims);
    this.constCache.set(key, name);
    return name;
  }

  /** Append a node with one output; returns the output's name. */
  node(op: string, inputs: string[], attrs: Attrs = {}, base = op): string {
    return this.nodeN(op, inputs, 1, attrs, base)[0];
  }

  nodeN(op: string, inputs: string[], outputs: number, attrs: Attrs, base: string): string[] {
    const name = this.unique(`${base}/${op}`);
    const outs = Array.from({ length: outputs }, (_, i) => this.unique(outputs === 1 ? base : `${base}:${i}`));
    this.nodes.push({ op, name, inputs, outputs: outs, attrs });
    return outs;
  }

  /** Nodes that read `value`. */
  consumers(value: string): GraphNode[] {
    return this.nodes.filter((n) => n.inputs.includes(value));
  }

  producer(value: string): GraphNode | undefined {
    return this.nodes.find((n) => n.outputs.includes(value));
  }

  /** Give a node output a new name everywhere (used to name graph outputs 'logits' etc.). */
  rename(from: string, to: string): void {
    this.reserve(to);
    for (const n of this.nodes) {
      n.inputs = n.inputs.map((v) => (v === from ? to : v));
      n.outputs = n.outputs.map((v) => (v === from ? to : v));
    }
  }

  /** Drop initializers no node reads (after passes such as BN folding). */
  pruneInitializers(keep: Set<string> = new Set()): void {
    const read = new Set(this.nodes.flatMap((n) => n.inputs));
    for (const name of [...this.initializers.keys()]) if (!read.has(name) && !keep.has(name)) this.initializers.delete(name);
  }

  toNodeProtos(): NodeProto[] {
    return this.nodes.map((n) => ({
      input: n.inputs,
      output: n.outputs,
      name: n.name,
      opType: n.op,
      attribute: Object.entries(n.attrs).map(([k, v]) => attributeProto(k, v)),
    }));
  }

  toTensorProtos(): TensorProto[] {
    return [...this.initializers.values()].map((t) => ({
      name: t.name,
      dims: t.dims,
      dataType: t.data instanceof Float32Array ? DataType.FLOAT : DataType.INT64,
      // Little-endian raw bytes, as ONNX requires (Node runs little-endian on every platform it ships for).
      rawData: new Uint8Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength)),
    }));
  }
}

function attributeProto(name: string, v: AttrValue): AttributeProto {
  if ('int' in v) return { name, type: AttributeType.INT, i: v.int };
  if ('float' in v) return { name, type: AttributeType.FLOAT, f: v.float };
  if ('ints' in v) return { name, type: AttributeType.INTS, ints: v.ints };
  if ('floats' in v) return { name, type: AttributeType.FLOATS, floats: v.floats };
  return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v.string) };
}

/** A float32 tensor's ValueInfo with symbolic dims given as strings. */
export function tensorValueInfo(name: string, dims: (number | string)[]): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}
