/**
 * DepthwiseConv2dNativeBackpropFilter for the wasm backend (tfjs-backend-wasm 4.22 has none).
 * Direct loops on the heap: depthwise convs are memory-bound, one multiply-add per dy element
 * and tap, so there is no GEMM to hand to xnnpack. The channel loop is innermost (NHWC-contiguous).
 */
import { DepthwiseConv2dNativeBackpropFilter } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { f32, newTensor, need, convInfo, type ConvAttrs } from './kernel-util.js';

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
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const mult = outChannels / inChannels;

  const out = newTensor(backend, attrs.filterShape);
  const xv = f32(backend, x);
  const dyv = f32(backend, dy);
  const dW = f32(backend, out);
  // Accumulate in float64 so long sums over batch x pixels lose nothing before the final store.
  const acc = new Float64Array(dW.length);
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
              for (let c = 0; c < inChannels; c++) acc[wBase + c] += xv[xBase + c] * dyv[dyBase + c];
            } else {
              for (let c = 0; c < inChannels; c++) {
                const xc = xv[xBase + c];
                for (let m = 0; m < mult; m++) {
                  acc[wBase + c * mult + m] += xc * dyv[dyBase + c * mult + m];
                }
              }
            }
          }
        }
      }
    }
  }
  dW.set(acc);
  return out;
}

export const depthwiseBackpropFilterConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: (({ inputs, backend, attrs }) =>
    depthwiseBackpropFilterWasm(
      backend as BackendWasm,
      need(inputs, 'x'),
      need(inputs, 'dy'),
      attrs as unknown as Attrs,
    )) as KernelFunc,
};
