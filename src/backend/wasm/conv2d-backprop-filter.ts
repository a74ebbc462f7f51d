/**
 * Conv2DBackpropFilter for the wasm backend (tfjs-backend-wasm 4.22 has none).
 *
 * dW[kh,kw,ci,co] = sum_{b,oh,ow} x[b, oh*s + kh*d - pad, ow*s + kw*d - pad, ci] * dy[b,oh,ow,co]
 * is itself a forward convolution once batch and channels swap roles: with x as [ci, H, W, b]
 * ("images" = input channels, "channels" = batch) and dy as a filter [oh, ow, b, co], a conv with
 * stride d and dilation s gives [ci, kh, kw, co]. That runs on the backend's xnnpack Conv2D, so the
 * heavy part is SIMD GEMM; only two transposes of x and dy are extra memory passes.
 *
 * That GEMM has a very long reduction (K = oh*ow*b) and tiny M = ci*kh*kw and N = co, so its
 * "filter" dy is megabytes, and tfjs-wasm's Conv2D first copies it transposed into a fresh buffer,
 * then xnnpack packs it: on a whole batch both passes run out of cache (measured at 28x28x16:
 * about 7 of 20 ms). Splitting the batch into chunks of DEFAULT_CHUNK_BYTES of dy, each its own
 * swapped conv, and summing the chunks' [ci, kh, kw, co] keeps those passes in cache; chunks much
 * smaller lose again (per-call setup, and a short per-tap reduction of only the chunk's images).
 * The batch is sliced by memcpy: the backend's Slice kernel is far slower on these shapes.
 */
import { Conv2DBackpropFilter } from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { assertNhwc, callKernel, conv2dExplicit, convInfo, f32, free, newTensor, twoInputKernel, type ConvAttrs, type SidePads } from './kernel-util.js';

interface Attrs extends ConvAttrs {
  filterShape: [number, number, number, number];
}

export interface FilterGradOptions {
  /**
   * Bytes of dy per batch chunk (oh*ow*co*4 per image): the packed filter of each swapped conv.
   * 0 = the whole batch at once. Default: setFilterGradChunkBytes's, initially
   * DEFAULT_CHUNK_BYTES (measured, bench/conv-grad.ts; docs/benchmarks.md).
   */
  chunkBytes?: number;
}

export const DEFAULT_CHUNK_BYTES = 512 * 1024;

let chunkBytesInUse = DEFAULT_CHUNK_BYTES;

/** Set the registered kernel's chunk size (benches A/B it in one process); returns the previous. */
export function setFilterGradChunkBytes(bytes: number): number {
  if (!Number.isFinite(bytes) || bytes < 0) {
    throw new Error(`Conv2DBackpropFilter chunk size must be a byte count >= 0 (0 = whole batch), got ${bytes}`);
  }
  const prev = chunkBytesInUse;
  chunkBytesInUse = bytes;
  return prev;
}

/** Images per chunk for a dy of [b, oh, ow, co]. */
export function chunkImages(b: number, oh: number, ow: number, co: number, chunkBytes: number): number {
  if (chunkBytes <= 0) return b;
  const per = Math.max(1, Math.floor(chunkBytes / (oh * ow * co * 4)));
  // Even chunks: n chunks of ceil(b/n) rather than full chunks plus a small remainder.
  const n = Math.ceil(b / per);
  return Math.ceil(b / n);
}

/** The swapped conv on one batch chunk: [ci, >=kh, >=kw, co]. */
function swappedConv(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  dil: [number, number],
  stride: [number, number],
  pads: SidePads,
): TensorInfo {
  const xT = callKernel('Transpose', backend, { x }, { perm: [3, 1, 2, 0] }); // [ci, h, w, b]
  const dyT = callKernel('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] }); // [oh, ow, b, co]
  const conv = conv2dExplicit(backend, xT, dyT, dil, stride, pads);
  free(backend, xT);
  free(backend, dyT);
  return conv;
}

/** Images [begin, begin + n) of an NHWC tensor: one memcpy (the backend's Slice is far slower). */
function batchSlice(backend: BackendWasm, t: TensorInfo, begin: number, n: number): TensorInfo {
  if (begin === 0 && n === t.shape[0]) return t;
  const per = t.shape[1] * t.shape[2] * t.shape[3];
  const out = newTensor(backend, [n, ...t.shape.slice(1)]);
  f32(backend, out).set(f32(backend, t).subarray(begin * per, (begin + n) * per));
  return out;
}

/** [kh, kw, ci, co] from x [b, h, w, ci] and dy [b, oh, ow, co]. */
export function conv2dBackpropFilterWasm(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  attrs: Attrs,
  opts: FilterGradOptions = {},
): TensorInfo {
  assertNhwc('Conv2DBackpropFilter', attrs.dataFormat);
  const info = convInfo(x.shape, attrs.filterShape, attrs);
  const { batchSize, inHeight, inWidth, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const [sh, sw] = [info.strideHeight, info.strideWidth];
  const [dh, dw] = [info.dilationHeight, info.dilationWidth];
  const { top, left } = info.padInfo;
  // Bottom/right padding so the swapped conv yields at least kh x kw outputs; rows past the last
  // one a 'valid' conv reads would need negative padding, so pad 0 and crop the output instead.
  const bottom = Math.max(0, (filterHeight - 1) * dh + (outHeight - 1) * sh + 1 - inHeight - top);
  const right = Math.max(0, (filterWidth - 1) * dw + (outWidth - 1) * sw + 1 - inWidth - left);
  const pads = { top, bottom, left, right };

  const per = chunkImages(batchSize, outHeight, outWidth, outChannels, opts.chunkBytes ?? chunkBytesInUse);
  let conv: TensorInfo | undefined;
  for (let b0 = 0; b0 < batchSize; b0 += per) {
    const n = Math.min(per, batchSize - b0);
    const xc = batchSlice(backend, x, b0, n);
    const dyc = batchSlice(backend, dy, b0, n);
    const part = swappedConv(backend, xc, dyc, [dh, dw], [sh, sw], pads);
    if (xc !== x) free(backend, xc);
    if (dyc !== dy) free(backend, dyc);
    if (conv === undefined) conv = part;
    else {
      const sum = callKernel('Add', backend, { a: conv, b: part });
      free(backend, conv);
      free(backend, part);
      conv = sum;
    }
  }
  if (conv === undefined) throw new Error(`Conv2DBackpropFilter: empty batch (x shape [${x.shape}])`);
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
