/**
 * Conv2DBackpropFilter for the wasm backend (tfjs-backend-wasm 4.22 has none).
 *
 * dW[kh,kw,ci,co] = sum_{b,oh,ow} x[b, oh*s + kh*d - pad, ow*s + kw*d - pad, ci] * dy[b,oh,ow,co]
 * is itself a forward convolution once batch and channels swap roles: with x as [ci, H, W, b]
 * ("images" = input channels, "channels" = batch) and dy as a filter [oh, ow, b, co], a conv with
 * stride d and dilation s gives [ci, kh, kw, co]. That runs on the backend's xnnpack Conv2D, so the
 * heavy part is SIMD GEMM; only two transposes of x and dy are extra memory passes.
 */
import { Conv2DBackpropFilter } from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { assertNhwc, callKernel, conv2dExplicit, convInfo, free, twoInputKernel, type ConvAttrs } from './kernel-util.js';

interface Attrs extends ConvAttrs {
  filterShape: [number, number, number, number];
}

/** [kh, kw, ci, co] from x [b, h, w, ci] and dy [b, oh, ow, co]. */
export function conv2dBackpropFilterWasm(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  attrs: Attrs,
): TensorInfo {
  assertNhwc('Conv2DBackpropFilter', attrs.dataFormat);
  const info = convInfo(x.shape, attrs.filterShape, attrs);
  const { inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth } = info;
  const [sh, sw] = [info.strideHeight, info.strideWidth];
  const [dh, dw] = [info.dilationHeight, info.dilationWidth];
  const { top, left } = info.padInfo;
  // Bottom/right padding so the swapped conv yields at least kh x kw outputs; rows past the last
  // one a 'valid' conv reads would need negative padding, so pad 0 and crop the output instead.
  const bottom = Math.max(0, (filterHeight - 1) * dh + (outHeight - 1) * sh + 1 - inHeight - top);
  const right = Math.max(0, (filterWidth - 1) * dw + (outWidth - 1) * sw + 1 - inWidth - left);

  const xT = callKernel('Transpose', backend, { x }, { perm: [3, 1, 2, 0] }); // [ci, h, w, b]
  const dyT = callKernel('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] }); // [oh, ow, b, co]
  const conv = conv2dExplicit(backend, xT, dyT, [dh, dw], [sh, sw], { top, bottom, left, right }); // [ci, >=kh, >=kw, co]
  free(backend, xT);
  free(backend, dyT);
  let cropped = conv;
  if (conv.shape[1] !== filterHeight || conv.shape[2] !== filterWidth) {
    cropped = callKernel('Slice', backend, { x: conv }, {
      begin: [0, 0, 0, 0],
      size: [conv.shape[0], filterHeight, filterWidth, conv.shape[3]],
    });
    free(backend, conv);
  }
  const dW = callKernel('Transpose', backend, { x: cropped }, { perm: [1, 2, 0, 3] });
  free(backend, cropped);
  return dW;
}

export const conv2dBackpropFilterConfig = twoInputKernel(Conv2DBackpropFilter, ['x', 'dy'], conv2dBackpropFilterWasm);
