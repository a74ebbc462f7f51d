/**
 * Tile for the wasm backend, replacing tfjs's per-element C++ loop (which computes a full index
 * for every output element). BatchNorm's gradient tiles a [1,1,1,C] vector up to the activation
 * shape, so this is a hot kernel in conv-net training.
 *
 * Works innermost axis outwards: each input block is copied once, then the tiled block is
 * replicated by doubling copyWithin (memmove speed, log2(reps) calls).
 */
import { Tile, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { need } from './kernel-util.js';

type Arr = Float32Array | Int32Array | Uint8Array;

/** Fill out[at, at + len*reps) with reps copies of out[at, at + len). */
function replicate(out: Arr, at: number, len: number, reps: number): void {
  let filled = len;
  const total = len * reps;
  while (filled < total) {
    const n = Math.min(filled, total - filled);
    out.copyWithin(at + filled, at, at + n);
    filled += n;
  }
}

export function tileWasm(backend: BackendWasm, x: TensorInfo, reps: number[]): TensorInfo {
  const rank = x.shape.length;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(outShape, x.dtype);
  if (util.sizeFromShape(outShape) === 0) return out;
  const src = backend.typedArrayFromHeap(x) as Arr;
  const dst = backend.typedArrayFromHeap(out) as Arr;
  if (rank === 0) {
    dst[0] = src[0];
    return out;
  }
  const inStrides = util.computeStrides(x.shape).concat([1]);
  // outBlock[i] = elements of out per index of axis i-1, i.e. prod(outShape[i:]).
  const outBlock = new Array<number>(rank + 1);
  outBlock[rank] = 1;
  for (let i = rank - 1; i >= 0; i--) outBlock[i] = outBlock[i + 1] * outShape[i];

  const fill = (axis: number, inAt: number, outAt: number): void => {
    const n = x.shape[axis];
    if (axis === rank - 1) {
      if (n >= 16) dst.set(src.subarray(inAt, inAt + n), outAt);
      else for (let i = 0; i < n; i++) dst[outAt + i] = src[inAt + i];
    } else {
      const step = outBlock[axis + 1];
      for (let i = 0; i < n; i++) fill(axis + 1, inAt + i * inStrides[axis], outAt + i * step);
    }
    if (reps[axis] > 1) replicate(dst, outAt, n * outBlock[axis + 1], reps[axis]);
  };
  fill(0, 0, 0);
  return out;
}

export const tileConfig: KernelConfig = {
  kernelName: Tile,
  backendName: 'wasm',
  kernelFunc: (({ inputs, backend, attrs }) =>
    tileWasm(backend as BackendWasm, need(inputs, 'x'), (attrs as unknown as { reps: number[] }).reps)) as KernelFunc,
};
