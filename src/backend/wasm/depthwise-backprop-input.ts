/**
 * DepthwiseConv2dNativeBackpropInput for the wasm backend (tfjs-backend-wasm 4.22 has none).
 * Direct scatter loops on the heap (memory-bound, see depthwise-backprop-filter.ts): each dy
 * pixel adds its taps into the dx pixels it was computed from.
 */
import { DepthwiseConv2dNativeBackpropInput } from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { f32, newTensor, convInfo, twoInputKernel, type ConvAttrs } from './kernel-util.js';
import { forEachDepthwiseTap } from './depthwise-taps.js';

interface Attrs extends ConvAttrs {
  inputShape: [number, number, number, number];
}

/** dx [b, h, w, ci] from dy [b, oh, ow, ci*mult] and filter [kh, kw, ci, mult]. */
export function depthwiseBackpropInputWasm(
  backend: BackendWasm,
  dy: TensorInfo,
  filter: TensorInfo,
  attrs: Attrs,
): TensorInfo {
  const info = convInfo(attrs.inputShape, filter.shape, attrs, true);
  const { inChannels } = info;
  const mult = info.outChannels / inChannels;

  const out = newTensor(backend, attrs.inputShape);
  const dyv = f32(backend, dy);
  const wv = f32(backend, filter);
  const dx = f32(backend, out);
  dx.fill(0);
  forEachDepthwiseTap(info, (dyBase, xBase, wBase) => {
    if (mult === 1) {
      for (let c = 0; c < inChannels; c++) dx[xBase + c] += dyv[dyBase + c] * wv[wBase + c];
      return;
    }
    for (let c = 0; c < inChannels; c++) {
      let s = 0;
      for (let m = 0; m < mult; m++) s += dyv[dyBase + c * mult + m] * wv[wBase + c * mult + m];
      dx[xBase + c] += s;
    }
  });
  return out;
}

export const depthwiseBackpropInputConfig = twoInputKernel(
  DepthwiseConv2dNativeBackpropInput,
  ['dy', 'filter'],
  depthwiseBackpropInputWasm,
);
