import type { GraphBuilder } from './graph.js';

/**
 * A tensor of the tfjs model as it exists in the ONNX graph. tfjs keeps images NHWC and ONNX
 * convolutions want NCHW, so a value may sit in the graph with its axes permuted: ONNX axis i
 * holds tfjs axis perm[i]. Convolutions ask for the channels-first order; layers that depend on
 * element order (Flatten, Reshape, Dense on rank > 2) ask for the identity order, and the
 * transposes this needs are made once per value and order.
 */
export interface Value {
  name: string;
  /** The tfjs shape; null where unknown (the batch dimension). */
  shape: (number | null)[];
  /** perm[i] = the tfjs axis at ONNX axis i. */
  perm: number[];
}

/** What a layer converter returns: the walker fills in the tfjs shape. */
export type ValueRef = Pick<Value, 'name' | 'perm'>;

export const identity = (rank: number): number[] => Array.from({ length: rank }, (_, i) => i);

/** [0, C, spatial...] for a channels-last tfjs tensor of this rank: NHWC -> NCHW. */
export const channelsFirstPerm = (rank: number): number[] => [0, rank - 1, ...identity(rank).slice(1, rank - 1)];

export const isIdentity = (perm: number[]): boolean => perm.every((a, i) => a === i);

/** The ONNX axis holding tfjs axis `axis` (negative counts from the end). */
export function onnxAxis(v: Pick<Value, 'perm'>, axis: number): number {
  const rank = v.perm.length;
  const a = axis < 0 ? axis + rank : axis;
  return v.perm.indexOf(a);
}

/** Transposes already made: `${name}|${perm}` -> transposed value name. */
const cache = new WeakMap<GraphBuilder, Map<string, string>>();

/** `v` with its ONNX axes in order `perm`, adding (or reusing) one Transpose. */
export function toLayout(b: GraphBuilder, v: Value, perm: number[]): Value {
  if (perm.length !== v.perm.length) throw new Error(`internal error: layout of rank ${perm.length} for a rank ${v.perm.length} value`);
  const r = perm.map((a) => v.perm.indexOf(a));
  if (isIdentity(r)) return v;
  let seen = cache.get(b);
  if (!seen) cache.set(b, (seen = new Map()));
  const key = `${v.name}|${perm.join(',')}`;
  let name = seen.get(key);
  if (!name) {
    name = b.node('Transpose', [v.name], { perm: { ints: r } }, `${v.name}/to_${perm.join('')}`);
    seen.set(key, name);
  }
  return { name, shape: v.shape, perm };
}

/** Shape of a per-channel constant that broadcasts along ONNX axis `axis` of a rank-`rank` tensor. */
export function broadcastDims(channels: number, axis: number, rank: number): number[] {
  return [channels, ...Array(rank - 1 - axis).fill(1)];
}
