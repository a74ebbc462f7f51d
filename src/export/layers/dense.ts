import { identity } from '../value.js';
import type { ValueRef } from '../value.js';
import type { LayerContext, LayerConverter } from './types.js';

/**
 * Dense -> Gemm on [batch, in] inputs (BatchNormalization after it folds into the Gemm);
 * on higher ranks tfjs applies the kernel to the last axis, so MatMul (+ Add) in tfjs order.
 */
function dense(ctx: LayerContext): ValueRef[] {
  const v = ctx.inputs[0];
  const rank = v.shape.length;
  const x = ctx.toLayout(v, identity(rank));
  const useBias = ctx.config.useBias !== false;
  let y: string;
  if (rank === 2) {
    const inputs = [x.name, ctx.param('kernel')];
    if (useBias) inputs.push(ctx.param('bias'));
    y = ctx.b.node('Gemm', inputs, {}, ctx.name);
  } else {
    y = ctx.b.node('MatMul', [x.name, ctx.param('kernel')], {}, useBias ? `${ctx.name}/matmul` : ctx.name);
    if (useBias) y = ctx.b.node('Add', [y, ctx.param('bias')], {}, ctx.name);
  }
  return [ctx.activation({ name: y, perm: x.perm }, ctx.config.activation)];
}

export const denseLayers: LayerConverter = { classNames: ['Dense'], convert: dense };
