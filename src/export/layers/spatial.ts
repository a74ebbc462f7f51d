import { onnxSamePads } from '../padding.js';
import { tuple } from '../tensor-util.js';
import { channelsFirstPerm, identity, type Value } from '../value.js';
import type { Attrs } from '../graph.js';
import type { LayerContext } from './types.js';

/**
 * Shared by convolution and pooling layers: the input in NC(spatial) order, its spatial sizes,
 * and the ONNX kernel/stride/dilation/pad attributes for tfjs's padding mode.
 */
export interface SpatialSetup {
  /** The input with ONNX axes [N, C, spatial...]. */
  x: Value;
  spatialRank: number;
  /** Spatial sizes in tfjs order, null when unknown. */
  sizes: (number | null)[];
  channels: number;
}

export function spatialInput(ctx: LayerContext): SpatialSetup {
  const v = ctx.inputs[0];
  const rank = v.shape.length;
  const format = (ctx.config.dataFormat as string | undefined) ?? 'channelsLast';
  if (format !== 'channelsLast' && format !== 'channelsFirst') ctx.unsupported(`dataFormat '${format}'`);
  const perm = format === 'channelsLast' ? channelsFirstPerm(rank) : identity(rank);
  const x = ctx.toLayout(v, perm);
  const sizes = perm.slice(2).map((a) => v.shape[a]);
  const channels = v.shape[perm[1]];
  if (channels === null) ctx.unsupported('an unknown channel count');
  return { x, spatialRank: rank - 2, sizes, channels };
}

/** kernel_shape, strides, dilations and pads (or auto_pad when sizes are unknown) for ONNX Conv/Pool. */
export function windowAttrs(
  ctx: LayerContext,
  s: SpatialSetup,
  kernel: number[],
  strides: number[],
  dilations: number[],
  withDilations: boolean,
): Attrs {
  const padding = (ctx.config.padding as string | undefined) ?? 'valid';
  const attrs: Attrs = { kernel_shape: { ints: kernel }, strides: { ints: strides } };
  if (withDilations) attrs.dilations = { ints: dilations };
  const n = s.spatialRank;
  if (padding === 'valid') {
    attrs.pads = { ints: Array(2 * n).fill(0) };
  } else if (padding === 'same') {
    if (s.sizes.every((x): x is number => x !== null)) {
      attrs.pads = { ints: onnxSamePads(s.sizes, kernel, strides, dilations) };
    } else {
      // TF's 'same' puts the odd pixel at the end, as SAME_UPPER does.
      attrs.auto_pad = { string: 'SAME_UPPER' };
    }
  } else {
    // 'causal' included: tfjs itself cannot run it (it throws NotImplementedError).
    ctx.unsupported(`padding '${padding}'`, "use 'valid' or 'same'");
  }
  return attrs;
}

export function convGeometry(ctx: LayerContext, n: number): { kernel: number[]; strides: number[]; dilations: number[] } {
  const kernel = tuple(ctx.config.kernelSize, n);
  const strides = tuple(ctx.config.strides ?? 1, n);
  const dilations = tuple(ctx.config.dilationRate ?? 1, n);
  if (strides.some((x) => x > 1) && dilations.some((x) => x > 1)) ctx.unsupported('strides > 1 together with dilationRate > 1');
  return { kernel, strides, dilations };
}
