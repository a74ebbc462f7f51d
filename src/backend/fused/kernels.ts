/**
 * icmix's fused BatchNorm-in-training kernels, for the wasm backend (over its heap) and the cpu
 * backend (over its arrays), and their gradient:
 *  - IcmixBatchNormTrain (x, scale, offset) -> [y, mean, variance]: BN with batch statistics;
 *  - IcmixBatchNormTrainGrad (dy, x, scale, mean, variance) -> [dx, dscale, doffset].
 * The maths is in ./bn-math.ts; this file only moves tensors in and out.
 *
 * They are plain JS loops, about 5x slower per pass than the wasm backend's SIMD kernels, so they
 * pay only where they replace many passes: BN (about 20 taped passes per layer and step become 4)
 * does; a one-pass ReLU gradient in place of tfjs's Cast + Step + Multiply did not (a ResNet-20
 * step got 200 ms slower), so it is not here.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelBackend, KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { bnTrainBackward, bnTrainForward } from './bn-math.js';

export const BN_TRAIN = 'IcmixBatchNormTrain';
export const BN_TRAIN_GRAD = 'IcmixBatchNormTrainGrad';
/** The backends the kernels are registered for. */
export const FUSED_BACKENDS = ['wasm', 'cpu'] as const;

export interface BnTrainAttrs {
  varianceEpsilon: number;
}

/** How a backend's float32 tensors are read and made (all views taken after all allocations). */
interface Memory {
  alloc(shapes: number[][]): TensorInfo[];
  view(t: TensorInfo): Float32Array;
}

function memory(backend: KernelBackend, name: string): Memory {
  if (name === 'wasm') {
    const b = backend as BackendWasm;
    return {
      alloc: (shapes) => shapes.map((s) => b.makeOutput(s, 'float32')),
      view: (t) => b.typedArrayFromHeap(t) as Float32Array,
    };
  }
  // cpu: outputs are made from fresh arrays; their views are those arrays.
  const made = new Map<object, Float32Array>();
  const cpu = backend as KernelBackend & { data: { get(id: object): { values: Float32Array } } };
  return {
    alloc: (shapes) =>
      shapes.map((s) => {
        const values = new Float32Array(s.reduce((a, d) => a * d, 1));
        const t = (backend as KernelBackend & { makeTensorInfo(s: number[], d: 'float32', v: Float32Array): TensorInfo }).makeTensorInfo(s, 'float32', values);
        made.set(t.dataId, values);
        return t;
      }),
    view: (t) => made.get(t.dataId) ?? cpu.data.get(t.dataId).values,
  };
}

function need(inputs: NamedTensorInfoMap, name: string, kernel: string): TensorInfo {
  const t = inputs[name];
  if (!t) throw new Error(`${kernel}: input '${name}' is missing`);
  if (t.dtype !== 'float32') throw new Error(`${kernel}: input '${name}' must be float32, got ${t.dtype}`);
  return t;
}

function channelsOf(x: TensorInfo, c: TensorInfo, kernel: string): number {
  const ch = x.shape[x.shape.length - 1];
  if (x.shape.length < 2 || c.shape.length !== 1 || c.shape[0] !== ch) {
    throw new Error(`${kernel}: expects x [..., C] and per-channel [C] tensors, got x ${JSON.stringify(x.shape)} and ${JSON.stringify(c.shape)}`);
  }
  return ch;
}

function bnTrainKernel(backendName: string): KernelConfig {
  return {
    kernelName: BN_TRAIN,
    backendName,
    kernelFunc: (({ inputs, backend, attrs }) => {
      const x = need(inputs, 'x', BN_TRAIN);
      const scale = need(inputs, 'scale', BN_TRAIN);
      const offset = need(inputs, 'offset', BN_TRAIN);
      const c = channelsOf(x, scale, BN_TRAIN);
      const mem = memory(backend as KernelBackend, backendName);
      const [y, mean, variance] = mem.alloc([x.shape, [c], [c]]);
      bnTrainForward(mem.view(x), c, mem.view(scale), mem.view(offset), (attrs as unknown as BnTrainAttrs).varianceEpsilon, {
        y: mem.view(y),
        mean: mem.view(mean),
        variance: mem.view(variance),
      });
      return [y, mean, variance];
    }) as KernelFunc,
  };
}

function bnTrainGradKernel(backendName: string): KernelConfig {
  return {
    kernelName: BN_TRAIN_GRAD,
    backendName,
    kernelFunc: (({ inputs, backend, attrs }) => {
      const [dy, x, scale, mean, variance] = ['dy', 'x', 'scale', 'mean', 'variance'].map((n) => need(inputs, n, BN_TRAIN_GRAD));
      const c = channelsOf(x, scale, BN_TRAIN_GRAD);
      const mem = memory(backend as KernelBackend, backendName);
      const [dx, dscale, doffset] = mem.alloc([x.shape, [c], [c]]);
      bnTrainBackward(mem.view(dy), mem.view(x), c, mem.view(scale), mem.view(mean), mem.view(variance), (attrs as unknown as BnTrainAttrs).varianceEpsilon, {
        dx: mem.view(dx),
        dgamma: mem.view(dscale),
        dbeta: mem.view(doffset),
      });
      return [dx, dscale, doffset];
    }) as KernelFunc,
  };
}

export const FUSED_KERNELS: KernelConfig[] = FUSED_BACKENDS.flatMap((b) => [bnTrainKernel(b), bnTrainGradKernel(b)]);

/** Whether the active backend has `kernel` (else callers take tfjs's unfused path). */
export function backendHas(kernel: string): boolean {
  return tf.getKernel(kernel, tf.getBackend()) !== undefined;
}

const bnTrainGrad: GradConfig = {
  kernelName: BN_TRAIN,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [false, true, true],
  gradFunc: (dys: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    // Only y reaches a loss; mean and variance feed the moving averages.
    const dy = (Array.isArray(dys) ? dys[0] : dys) as Tensor;
    const [x, scale, mean, variance] = saved;
    // One kernel for all three: the tape calls each thunk in its own tidy, and these outputs live
    // in the backward pass's scope (as core's BN gradient does with its shared terms).
    const [dx, dscale, doffset] = tf.engine().runKernel(BN_TRAIN_GRAD, { dy, x, scale, mean, variance }, attrs) as Tensor[];
    return { x: () => dx, scale: () => dscale, offset: () => doffset };
  },
};

/** Register the kernels and gradients (idempotent). */
export function registerFusedKernels(): void {
  for (const k of FUSED_KERNELS) {
    if (tf.getKernel(k.kernelName, k.backendName) !== k) {
      if (tf.getKernel(k.kernelName, k.backendName)) tf.unregisterKernel(k.kernelName, k.backendName);
      tf.registerKernel(k);
    }
  }
  if (tf.getGradient(BN_TRAIN) !== bnTrainGrad) tf.registerGradient(bnTrainGrad);
}
