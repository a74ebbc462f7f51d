import { identity, type ValueRef } from '../value.js';
import type { LayerContext, LayerConverter } from './types.js';

/**
 * Flatten, Reshape and Permute act on tfjs's element order, so their input is first brought back
 * to tfjs order (after convolutions: one NCHW -> NHWC Transpose), which keeps e.g. a Dense after
 * Flatten reading its weights in the order it was trained with.
 */
function flatten(ctx: LayerContext): ValueRef[] {
  const v = ctx.inputs[0];
  if (v.shape.length === 2) return [v];
  const x = ctx.toLayout(v, identity(v.shape.length));
  return [{ name: ctx.b.node('Flatten', [x.name], { axis: { int: 1 } }, ctx.name), perm: [0, 1] }];
}

function reshape(ctx: LayerContext): ValueRef[] {
  const v = ctx.inputs[0];
  const target = (ctx.config.targetShape as (number | null)[]).map((d) => (d === null ? -1 : Number(d)));
  const x = ctx.toLayout(v, identity(v.shape.length));
  // 0 copies the (dynamic) batch size from the input.
  const shape = ctx.b.int64s(`${ctx.name}/shape`, [0, ...target]);
  return [{ name: ctx.b.node('Reshape', [x.name, shape], {}, ctx.name), perm: identity(target.length + 1) }];
}

/** Permute(dims) (1-based, batch excluded): one Transpose from wherever the input sits. */
function permute(ctx: LayerContext): ValueRef[] {
  const v = ctx.inputs[0];
  const q = [0, ...(ctx.config.dims as number[])];
  // Output axis j holds tfjs input axis q[j], which is at ONNX axis perm.indexOf(q[j]).
  const r = q.map((a) => v.perm.indexOf(a));
  return [{ name: ctx.b.node('Transpose', [v.name], { perm: { ints: r } }, ctx.name), perm: identity(q.length) }];
}

export const reshapeLayers: LayerConverter[] = [
  { classNames: ['Flatten'], convert: flatten },
  { classNames: ['Reshape'], convert: reshape },
  { classNames: ['Permute'], convert: permute },
];
