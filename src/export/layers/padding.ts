import type { ValueRef } from '../value.js';
import type { LayerContext, LayerConverter } from './types.js';

/** ZeroPadding2D -> Pad, Cropping2D -> Slice, both on the spatial axes wherever the layout put them. */

/** [[top, bottom], [left, right]] from tfjs's config (a number, a pair, or pairs). */
function pairs(v: unknown): [[number, number], [number, number]] {
  if (typeof v === 'number') return [[v, v], [v, v]];
  const a = v as (number | number[])[];
  const p = (x: number | number[]): [number, number] => (Array.isArray(x) ? [x[0], x[1]] : [x, x]);
  return [p(a[0]), p(a[1])];
}

function spatialAxes(ctx: LayerContext): [number, number] {
  const format = (ctx.config.dataFormat as string | undefined) ?? 'channelsLast';
  return format === 'channelsFirst' ? [2, 3] : [1, 2];
}

function zeroPad(ctx: LayerContext): ValueRef[] {
  const x = ctx.inputs[0];
  const rank = x.perm.length;
  const p = pairs(ctx.config.padding);
  const [h, w] = spatialAxes(ctx);
  const begin = Array(rank).fill(0);
  const end = Array(rank).fill(0);
  x.perm.forEach((a, i) => {
    if (a === h) [begin[i], end[i]] = p[0];
    if (a === w) [begin[i], end[i]] = p[1];
  });
  const pads = ctx.b.int64s(`${ctx.name}/pads`, [...begin, ...end]);
  return [{ name: ctx.b.node('Pad', [x.name, pads], { mode: { string: 'constant' } }, ctx.name), perm: x.perm }];
}

function crop(ctx: LayerContext): ValueRef[] {
  const x = ctx.inputs[0];
  const c = pairs(ctx.config.cropping);
  const [h, w] = spatialAxes(ctx);
  const axes = [x.perm.indexOf(h), x.perm.indexOf(w)];
  // A negative end counts from the far edge, so no static size is needed; 0 cropped = to the end.
  const end = (n: number) => (n > 0 ? -n : Number.MAX_SAFE_INTEGER);
  const starts = ctx.b.int64s(`${ctx.name}/starts`, [c[0][0], c[1][0]]);
  const ends = ctx.b.int64s(`${ctx.name}/ends`, [end(c[0][1]), end(c[1][1])]);
  const ax = ctx.b.int64s(`${ctx.name}/axes`, axes);
  return [{ name: ctx.b.node('Slice', [x.name, starts, ends, ax], {}, ctx.name), perm: x.perm }];
}

export const paddingLayers: LayerConverter[] = [
  { classNames: ['ZeroPadding2D'], convert: zeroPad },
  { classNames: ['Cropping2D'], convert: crop },
];
