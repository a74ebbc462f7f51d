/**
 * DepthwiseConv2dNativeBackpropFilter for the wasm backend (tfjs-backend-wasm 4.22 has none).
 * Direct loops on the heap: depthwise convs are memory-bound, one multiply-add per dy element
 * and tap, so there is no GEMM to hand to xnnpack. The channel loop is innermost (NHWC-contiguous).
 */
import { DepthwiseConv2dNativeBackpropFilter } from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { f32, newTensor, convInfo, twoInputKernel, type ConvAttrs } from './kernel-util.js';
import { forEachDepthwiseTap } from './depthwise-taps.js';

interface Attrs extends ConvAttrs {
  filterShape: [number, number, number, number];
}

/** dW [kh, kw, ci, mult] from x [b, h, w, ci] and dy [b, oh, ow, ci*mult]. */
export function depthwiseBackpropFilterWasm(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  attrs: Attrs,
): TensorInfo {
  const info = convInfo(x.shape, attrs.filterShape, attrs, true);
  const { inChannels } = info;
  const mult = info.outChannels / inChannels;

  const out = newTensor(backend, attrs.filterShape);
  const xv = f32(backend, x);
  const dyv = f32(backend, dy);
  const dW = f32(backend, out);
  // Accumulate in float64 so long sums over batch x pixels lose nothing before the final store.
  const acc = new Float64Array(dW.length);
  forEachDepthwiseTap(info, (dyBase, xBase, wBase) => {
    if (mult === 1) {
      for (let c = 0; c < inChannels; c++) acc[wBase + c] += xv[xBase + c] * dyv[dyBase + c];
      return;
    }
    for (let c = 0; c < inChannels; c++) {
      const xc = xv[xBase + c];
      for (let m = 0; m < mult; m++) acc[wBase + c * mult + m] += xc * dyv[dyBase + c * mult + m];
    }
  });
  dW.set(acc);
  return out;
}

export const depthwiseBackpropFilterConfig = twoInputKernel(
  DepthwiseConv2dNativeBackpropFilter,
  ['x', 'dy'],
  depthwiseBackpropFilterWasm,
);
