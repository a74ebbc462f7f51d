/**
 * The loop nest both depthwise backprop kernels share: every (dy pixel, filter tap) pair whose
 * input pixel lies inside the image. The channel loop stays in the caller's visitor, so the call
 * costs one function call per tap against a loop over all channels.
 */
import type { backend_util } from '@tensorflow/tfjs-core';

/**
 * Offsets (in floats) of one tap: dy pixel [b, oh, ow, :], x/dx pixel [b, ih, iw, :] and filter
 * tap [kh, kw, :, :] in NHWC / [kh, kw, ci, mult] layouts.
 */
export type TapVisitor = (dyBase: number, xBase: number, wBase: number) => void;

export function forEachDepthwiseTap(info: backend_util.Conv2DInfo, visit: TapVisitor): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
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
            visit(dyBase, ((b * inHeight + ih) * inWidth + iw) * inChannels, (kh * fw + kw) * outChannels);
          }
        }
      }
    }
  }
}
