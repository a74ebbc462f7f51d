import type { Value, ValueRef } from '../value.js';
import type { LayerContext, LayerConverter } from './types.js';

/**
 * Merge layers. Inputs must share a rank; all are brought to the first input's layout so the
 * elementwise op lines up (in a ResNet both branches are already channels-first: no transposes).
 */
function aligned(ctx: LayerContext): Value[] {
  const first = ctx.inputs[0];
  for (const v of ctx.inputs) {
    if (v.shape.length !== first.shape.length) ctx.unsupported(`inputs of different ranks (${ctx.inputs.map((i) => i.shape.length).join(', ')})`);
  }
  return ctx.inputs.map((v) => ctx.toLayout(v, first.perm));
}

/** Left fold of a binary op over the inputs. */
function chain(op: string) {
  return (ctx: LayerContext): ValueRef[] => {
    const xs = aligned(ctx);
    let acc = xs[0].name;
    for (let i = 1; i < xs.length; i++) acc = ctx.b.node(op, [acc, xs[i].name], {}, i === xs.length - 1 ? ctx.name : `${ctx.name}/${i}`);
    return [{ name: acc, perm: xs[0].perm }];
  };
}

/** One variadic ONNX op over all inputs. */
function variadic(op: string) {
  return (ctx: LayerContext): ValueRef[] => {
    const xs = aligned(ctx);
    return [{ name: ctx.b.node(op, xs.map((x) => x.name), {}, ctx.name), perm: xs[0].perm }];
  };
}

function subtract(ctx: LayerContext): ValueRef[] {
  if (ctx.inputs.length !== 2) ctx.unsupported(`${ctx.inputs.length} inputs (Subtract takes exactly 2)`);
  const [a, b] = aligned(ctx);
  return [{ name: ctx.b.node('Sub', [a.name, b.name], {}, ctx.name), perm: a.perm }];
}

function concatenate(ctx: LayerContext): ValueRef[] {
  const xs = aligned(ctx);
  const rank = xs[0].shape.length;
  const axis = Number(ctx.config.axis ?? -1);
  const tfAxis = (axis + rank) % rank;
  return [{ name: ctx.b.node('Concat', xs.map((x) => x.name), { axis: { int: xs[0].perm.indexOf(tfAxis) } }, ctx.name), perm: xs[0].perm }];
}

export const mergeLayers: LayerConverter[] = [
  { classNames: ['Add'], convert: chain('Add') },
  { classNames: ['Multiply'], convert: chain('Mul') },
  { classNames: ['Subtract'], convert: subtract },
  { classNames: ['Average'], convert: variadic('Mean') },
  { classNames: ['Maximum'], convert: variadic('Max') },
  { classNames: ['Minimum'], convert: variadic('Min') },
  { classNames: ['Concatenate'], convert: concatenate },
];
