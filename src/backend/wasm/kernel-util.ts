/**
 * Small helpers shared by icmix's wasm kernels: calling the backend's own kernels on TensorInfos,
 * reading and writing tensor memory on the wasm heap, and freeing intermediates.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import type {
  DataType,
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Run another wasm kernel (e.g. the xnnpack Conv2D) from inside one of ours. */
export function callKernel(
  name: string,
  backend: BackendWasm,
  inputs: NamedTensorInfoMap,
  attrs: object = {},
): TensorInfo {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`wasm backend has no '${name}' kernel`);
  const out = k.kernelFunc({ inputs, backend, attrs: attrs as unknown as NamedAttrMap });
  return Array.isArray(out) ? out[0] : (out as TensorInfo);
}

/** Free an intermediate made by callKernel or newTensor (the caller owns exactly one reference). */
export function free(backend: BackendWasm, t: TensorInfo): void {
  backend.disposeData(t.dataId);
}

/** A fresh uninitialised tensor on the wasm heap. */
export function newTensor(backend: BackendWasm, shape: number[], dtype: DataType = 'float32'): TensorInfo {
  return backend.makeOutput(shape, dtype);
}

/**
 * A typed-array view of a tensor's memory. Views die when the heap grows, so take them only after
 * every allocation a kernel makes (makeOutput and callKernel can both grow the heap).
 */
export function f32(backend: BackendWasm, t: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** The same data under another shape (no copy); free only the original. */
export function reshaped(t: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

export function pair(v: number | [number, number] | undefined, dflt = 1): [number, number] {
  if (v === undefined) return [dflt, dflt];
  return typeof v === 'number' ? [v, v] : v;
}

/** The attributes tfjs passes to every conv and depthwise backprop kernel. */
export interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  /** Absent from tfjs's Conv2D backprop attrs (its gradient refuses dilation); honoured when given. */
  dilations?: number | [number, number];
  dataFormat?: 'NHWC' | 'NCHW';
}

/** tfjs's conv geometry for x [b, h, w, ci] and filter [kh, kw, ci, co] (depthwise: [kh, kw, ci, mult]). */
export function convInfo(
  xShape: number[],
  filterShape: number[],
  attrs: ConvAttrs,
  depthwise = false,
): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    pair(attrs.dilations),
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
  );
}

export function assertNhwc(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`icmix wasm ${kernel} supports NHWC only, got dataFormat '${dataFormat}'`);
  }
}

/** A kernel input that must be present. */
export function need(inputs: NamedTensorInfoMap, name: string): TensorInfo {
  const t = inputs[name];
  if (!t) throw new Error(`kernel input '${name}' is missing`);
  return t;
}

/**
 * A KernelConfig for one of our two-input wasm kernels: the inputs are fetched by name (each
 * must be present) and handed to `fn` in that order, with the attrs typed as the kernel's own.
 */
export function twoInputKernel<A>(
  kernelName: string,
  [first, second]: [string, string],
  fn: (backend: BackendWasm, a: TensorInfo, b: TensorInfo, attrs: A) => TensorInfo,
): KernelConfig {
  return {
    kernelName,
    backendName: 'wasm',
    kernelFunc: (({ inputs, backend, attrs }) =>
      fn(backend as BackendWasm, need(inputs, first), need(inputs, second), attrs as unknown as A)) as KernelFunc,
  };
}

/** Spatial padding of an NHWC conv, each side given separately (negative sides are not allowed). */
export interface SidePads {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** The backend's own (xnnpack) NHWC Conv2D with explicit per-side padding. */
export function conv2dExplicit(
  backend: BackendWasm,
  x: TensorInfo,
  filter: TensorInfo,
  strides: [number, number],
  dilations: [number, number],
  { top, bottom, left, right }: SidePads,
): TensorInfo {
  return callKernel('Conv2D', backend, { x, filter }, {
    strides,
    dilations,
    pad: [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ],
    dataFormat: 'NHWC',
  });
}
