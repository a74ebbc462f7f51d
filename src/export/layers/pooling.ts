import { tuple } from '../tensor-util.js';
import { identity, type ValueRef } from '../value.js';
import { spatialInput, windowAttrs } from './spatial.js';
import type { LayerContext, LayerConverter } from './types.js';

/**
 * Max/AveragePooling1D/2D/3D -> MaxPool/AveragePool. TF's 'same' average pooling divides by the
 * number of real (unpadded) pixels in each window, which is ONNX's count_include_pad = 0.
 */
function pool(op: 'MaxPool' | 'AveragePool') {
  return (ctx: LayerContext): ValueRef[] => {
    const s = spatialInput(ctx);
    const n = s.spatialRank;
    const kernel = tuple(ctx.config.poolSize, n);
    const strides = tuple(ctx.config.strides ?? ctx.config.poolSize, n);
    const attrs = windowAttrs(ctx, s, kernel, strides, Array(n).fill(1), false);
    if (op === 'AveragePool') attrs.count_include_pad = { int: 0 };
    return [{ name: ctx.b.node(op, [s.x.name], attrs, ctx.name), perm: s.x.perm }];
  };
}

/** GlobalAverage/MaxPooling -> ReduceMean/ReduceMax over the spatial axes, wherever the layout put them. */
function globalPool(op: 'ReduceMean' | 'ReduceMax') {
  return (ctx: LayerContext): ValueRef[] => {
    const x = ctx.inputs[0];
    const rank = x.shape.length;
    const format = (ctx.config.dataFormat as string | undefined) ?? 'channelsLast';
    const tfSpatial = format === 'channelsFirst' ? identity(rank).slice(2) : identity(rank).slice(1, rank - 1);
    const keepDims = ctx.config.keepDims === true;
    const axes = tfSpatial.map((a) => x.perm.indexOf(a)).sort((a, b) => a - b);
    const y = ctx.b.node(op, [x.name], { axes: { ints: axes }, keepdims: { int: keepDims ? 1 : 0 } }, ctx.name);
    if (keepDims) return [{ name: y, perm: x.perm }];
    // The surviving tfjs axes, in ONNX order, renumbered for the lower rank.
    const kept = x.perm.filter((a) => !tfSpatial.includes(a));
    const sorted = [...kept].sort((a, b) => a - b);
    return [{ name: y, perm: kept.map((a) => sorted.indexOf(a)) }];
  };
}

export const poolingLayers: LayerConverter[] = [
  { classNames: ['MaxPooling1D', 'MaxPooling2D', 'MaxPooling3D'], convert: pool('MaxPool') },
  { classNames: ['AveragePooling1D', 'AveragePooling2D', 'AveragePooling3D'], convert: pool('AveragePool') },
  { classNames: ['GlobalAveragePooling1D', 'GlobalAveragePooling2D', 'GlobalAveragePooling3D'], convert: globalPool('ReduceMean') },
  { classNames: ['GlobalMaxPooling1D', 'GlobalMaxPooling2D', 'GlobalMaxPooling3D'], convert: globalPool('ReduceMax') },
];
