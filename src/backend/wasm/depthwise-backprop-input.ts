/**
 * DepthwiseConv2dNativeBackpropInput for the wasm backend (tfjs-backend-wasm 4.22 has none).
 * Direct scatter loops on the heap (memory-bound, see depthwise-backprop-filter.ts): each dy
 * pixel adds its taps into the dx pixels it was computed from.
 */
import { DepthwiseConv2dNativeBackpropInput } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { f32, newTensor, need, convInfo, type ConvAttrs } from './kernel-util.js';

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
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const mult = outChannels / inChannels;

  const out = newTensor(backend, attrs.inputShape);
  const dyv = f32(backend, dy);
  const wv = f32(backend, filter);
  const dx = f32(backend, out);
  dx.fill(0);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let kh = 0; kh < fh; kh++) {
        const ih = oh * sh + kh * dh - top;
        if (ih < 0 || ih >= inHeight) continue;
        for (let ow = 0; ow < outWidth; ow++) {
          const dyBase = ((b * outHeight + oh) * outWidth + ow) * outChannels;
          for (let kw = 0; kw < fw; kw++) {
            const iw = ow * sw + kw * dw - left;
            if (iw < 0 || iw >= inWidth) continue;
            const xBase = ((b * inHeight + ih) * inWidth + iw) * inChannels;
            const wBase = (kh * fw + kw) * outChannels;
            if (mult === 1) {
              for (let c = 0; c < inChannels; c++) dx[xBase + c] += dyv[dyBase + c] * wv[wBase + c];
            } else {
              for (let c = 0; c < inChannels; c++) {
                let s = 0;
                for (let m = 0; m < mult; m++) s += dyv[dyBase + c * mult + m] * wv[wBase + c * mult + m];
                dx[xBase + c] += s;
              }
            }
          }
        }
      }
    }
  }
  return out;
}

export const depthwiseBackpropInputConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: (({ inputs, backend, attrs }) =>
    depthwiseBackpropInputWasm(
      backend as BackendWasm,
      need(inputs, 'dy'),
      need(inputs, 'filter'),
      attrs as unknown as Attrs,
    )) as KernelFunc,
};
