import { transposeArray } from '../tensor-util.js';
import type { ValueRef } from '../value.js';
import { convGeometry, spatialInput, windowAttrs } from './spatial.js';
import type { LayerContext, LayerConverter, Weight } from './types.js';

/**
 * Conv1D/2D/3D -> ONNX Conv. tfjs kernels are [k..., in, out]; ONNX wants [out, in, k...].
 * Output is channels-first inside the graph; BatchNormalization after it is folded later.
 */
export const toOnnxKernel = (w: Weight): Weight => {
  const n = w.dims.length;
  const perm = [n - 1, n - 2, ...Array.from({ length: n - 2 }, (_, i) => i)];
  return { data: transposeArray(w.data, w.dims, perm), dims: perm.map((p) => w.dims[p]) };
};

/**
 * Depthwise kernels [k..., in, multiplier] -> grouped-conv weights [in * multiplier, 1, k...]:
 * TF numbers output channel c * multiplier + m, which is also ONNX's group order.
 */
export const depthwiseToOnnx = (w: Weight): Weight => {
  const n = w.dims.length;
  const spatial = w.dims.slice(0, n - 2);
  const [inC, mult] = w.dims.slice(n - 2);
  const t = transposeArray(w.data, w.dims, [n - 2, n - 1, ...Array.from({ length: n - 2 }, (_, i) => i)]);
  return { data: t, dims: [inC * mult, 1, ...spatial] };
};

function conv(ctx: LayerContext): ValueRef[] {
  const s = spatialInput(ctx);
  const g = convGeometry(ctx, s.spatialRank);
  const attrs = windowAttrs(ctx, s, g.kernel, g.strides, g.dilations, true);
  const inputs = [s.x.name, ctx.param('kernel', toOnnxKernel)];
  if (ctx.config.useBias !== false) inputs.push(ctx.param('bias'));
  const y = ctx.b.node('Conv', inputs, attrs, ctx.name);
  return [ctx.activation({ name: y, perm: s.x.perm }, ctx.config.activation)];
}

function depthwise(ctx: LayerContext): ValueRef[] {
  const s = spatialInput(ctx);
  const g = convGeometry(ctx, s.spatialRank);
  const attrs = windowAttrs(ctx, s, g.kernel, g.strides, g.dilations, true);
  attrs.group = { int: s.channels };
  const inputs = [s.x.name, ctx.param('depthwise_kernel', depthwiseToOnnx)];
  if (ctx.config.useBias !== false) inputs.push(ctx.param('bias'));
  const y = ctx.b.node('Conv', inputs, attrs, ctx.name);
  return [ctx.activation({ name: y, perm: s.x.perm }, ctx.config.activation)];
}

/** Depthwise conv (strides, dilation, padding) then a 1x1 pointwise conv with the bias. */
function separable(ctx: LayerContext): ValueRef[] {
  const s = spatialInput(ctx);
  const g = convGeometry(ctx, s.spatialRank);
  const attrs = windowAttrs(ctx, s, g.kernel, g.strides, g.dilations, true);
  attrs.group = { int: s.channels };
  const dw = ctx.b.node('Conv', [s.x.name, ctx.param('depthwise_kernel', depthwiseToOnnx)], attrs, `${ctx.name}/depthwise`);
  const pw = ctx.weight('pointwise_kernel');
  if (!pw) ctx.unsupported('a missing pointwise_kernel weight');
  const ones = Array(s.spatialRank).fill(1);
  const inputs = [dw, ctx.param('pointwise_kernel', toOnnxKernel)];
  if (ctx.config.useBias !== false) inputs.push(ctx.param('bias'));
  const y = ctx.b.node(
    'Conv',
    inputs,
    { kernel_shape: { ints: ones }, strides: { ints: ones }, pads: { ints: [...ones, ...ones].map(() => 0) } },
    ctx.name,
  );
  return [ctx.activation({ name: y, perm: s.x.perm }, ctx.config.activation)];
}

export const convLayers: LayerConverter = { classNames: ['Conv1D', 'Conv2D', 'Conv3D'], convert: conv };
export const depthwiseConvLayers: LayerConverter = { classNames: ['DepthwiseConv2D'], convert: depthwise };
export const separableConvLayers: LayerConverter = { classNames: ['SeparableConv1D', 'SeparableConv2D'], convert: separable };
