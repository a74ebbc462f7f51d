/**
 * MaxPoolGrad for the wasm backend, replacing tfjs's C++ kernel, which for every input pixel
 * revisits each window that covers it and recomputes that window's maximum: about 37 ms per
 * 2x2 pool on [128, 28, 28, 32] here, the largest kernel of the small CNN's step (29%).
 *
 * Here each window is scanned once, all channels side by side (contiguous in NHWC), and its dy
 * is added at the window's maximum. Ties and empty windows follow tfjs's cpu kernel, the
 * reference: the first strict maximum in row-major scan order takes the gradient; a window
 * with no value above -Infinity (all -Infinity or NaN) passes none.
 */
import { backend_util, MaxPoolGrad } from '@tensorflow/tfjs-core';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { f32, newTensor, twoInputKernel } from './kernel-util.js';

interface Attrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** dx [b, h, w, c] of a max pool over x [b, h, w, c], given dy [b, oh, ow, c]. */
export function maxPoolGradWasm(backend: BackendWasm, dy: TensorInfo, x: TensorInfo, attrs: Attrs): TensorInfo {
  if (x.shape.length !== 4 || x.dtype !== 'float32') {
    throw new Error(`icmix wasm MaxPoolGrad: expected a float32 NHWC input, got ${x.dtype} [${x.shape}]`);
  }
  const info = backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  // A mismatch is refused rather than read out of bounds: e.g. tfjs-core's MaxPool gradient drops
  // dimRoundingMode, so a 'ceil' pool's dy has more rows than this geometry.
  if (dy.shape.join() !== [B, OH, OW, C].join()) {
    throw new Error(`icmix wasm MaxPoolGrad: dy is [${dy.shape}], expected [${[B, OH, OW, C]}] for input [${x.shape}]`);
  }
  const [sh, sw, fh, fw] = [info.strideHeight, info.strideWidth, info.effectiveFilterHeight, info.effectiveFilterWidth];
  const { top, left } = info.padInfo;
  const dx = newTensor(backend, x.shape);
  // Views only after the last allocation (a heap growth detaches older ones).
  const X = f32(backend, x);
  const DY = f32(backend, dy);
  const DX = f32(backend, dx);
  DX.fill(0);
  const best = new Float32Array(C);
  const at = new Int32Array(C);
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const r0 = oh * sh - top;
      const rMin = Math.max(0, r0);
      const rMax = Math.min(H, r0 + fh);
      for (let ow = 0; ow < OW; ow++) {
        const c0 = ow * sw - left;
        const cMin = Math.max(0, c0);
        const cMax = Math.min(W, c0 + fw);
        const o = ((b * OH + oh) * OW + ow) * C;
        if (rMax - rMin === 2 && cMax - cMin === 2) {
          // A whole 2x2 window (the common pool): the four candidates in locals, same scan order.
          const p0 = ((b * H + rMin) * W + cMin) * C;
          const p1 = p0 + C;
          const p2 = p0 + W * C;
          const p3 = p2 + C;
          for (let c = 0; c < C; c++) {
            let m = -Infinity;
            let k = -1;
            let v = X[p0 + c];
            if (v > m) { m = v; k = p0 + c; }
            v = X[p1 + c];
            if (v > m) { m = v; k = p1 + c; }
            v = X[p2 + c];
            if (v > m) { m = v; k = p2 + c; }
            v = X[p3 + c];
            if (v > m) { k = p3 + c; }
            if (k >= 0) DX[k] += DY[o + c];
          }
          continue;
        }
        best.fill(-Infinity);
        at.fill(-1);
        for (let r = rMin; r < rMax; r++) {
          for (let col = cMin; col < cMax; col++) {
            const base = ((b * H + r) * W + col) * C;
            for (let c = 0; c < C; c++) {
              const v = X[base + c];
              if (v > best[c]) {
                best[c] = v;
                at[c] = base + c;
              }
            }
          }
        }
        for (let c = 0; c < C; c++) if (at[c] >= 0) DX[at[c]] += DY[o + c];
      }
    }
  }
  return dx;
}

export const maxPoolGradConfig: KernelConfig = twoInputKernel(MaxPoolGrad, ['dy', 'input'], maxPoolGradWasm);
