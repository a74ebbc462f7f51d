/**
 * Kernels icmix adds to tfjs-node's 'tensorflow' backend, each one TensorFlow op where tfjs would
 * run several:
 *  - IcmixBatchNormTrain / IcmixBatchNormTrainGrad (the fused BN-in-training kernels that
 *    ../fused/layer.ts routes tfjs-layers' BatchNormalization through) as FusedBatchNormV3 and
 *    FusedBatchNormGradV3 with is_training;
 *  - IcmixReluGrad as ReluGrad: tfjs's Relu gradient is dy * Step(x), and tfjs-node builds Step
 *    from five ops (IsNan, Greater, Fill, Select, ...), 15% of a ResNet-20 step.
 * They talk to TensorFlow through the backend's executeMultipleOutputs, the same entry point
 * tfjs-node's own kernels use.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig, KernelFunc, NamedAttrMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import { BN_TRAIN, BN_TRAIN_GRAD, type BnTrainAttrs } from '../fused/kernels.js';

export const RELU_GRAD = 'IcmixReluGrad';

/** The slice of tfjs-node's NodeJSKernelBackend (not in its public typings) these kernels use. */
interface NativeBackend {
  binding: { TF_ATTR_FLOAT: number; TF_ATTR_STRING: number; TF_ATTR_BOOL: number; TF_ATTR_TYPE: number; TF_FLOAT: number };
  executeMultipleOutputs(name: string, attrs: OpAttr[], inputs: TensorInfo[], numOutputs: number): Tensor[];
}
interface OpAttr {
  name: string;
  type: number;
  value: unknown;
}

function floatAttrs(b: NativeBackend, extra: OpAttr[]): OpAttr[] {
  return [{ name: 'T', type: b.binding.TF_ATTR_TYPE, value: b.binding.TF_FLOAT }, ...extra];
}

/** TensorFlow's fused BN wants 4-D NHWC; a [N, C] input (BN after a dense layer) is [N, 1, 1, C]. */
function as4d(x: TensorInfo): number[] {
  if (x.shape.length === 4) return x.shape;
  const c = x.shape[x.shape.length - 1] ?? 1;
  return [x.shape.slice(0, -1).reduce((a, d) => a * d, 1), 1, 1, c];
}

/** `t` as `shape`; no Reshape op (a TensorFlow call) when it already has it, as conv features do. */
function shaped(t: Tensor, shape: number[]): Tensor {
  return t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]) ? t : tf.reshape(t, shape);
}

function bnAttrs(b: NativeBackend, epsilon: number): OpAttr[] {
  return [
    ...floatAttrs(b, [{ name: 'U', type: b.binding.TF_ATTR_TYPE, value: b.binding.TF_FLOAT }]),
    { name: 'epsilon', type: b.binding.TF_ATTR_FLOAT, value: epsilon },
    { name: 'data_format', type: b.binding.TF_ATTR_STRING, value: 'NHWC' },
    { name: 'is_training', type: b.binding.TF_ATTR_BOOL, value: true },
  ];
}

const bnTrain: KernelConfig = {
  kernelName: BN_TRAIN,
  backendName: 'tensorflow',
  kernelFunc: (({ inputs, backend, attrs }) => {
    const b = backend as unknown as NativeBackend;
    const { x, scale, offset } = inputs as { x: Tensor; scale: Tensor; offset: Tensor };
    const eps = (attrs as unknown as BnTrainAttrs).varianceEpsilon;
    return tf.tidy(() => {
      const x4 = shaped(x, as4d(x));
      const none = tf.zeros([0]);
      const [y, mean, unbiased] = b.executeMultipleOutputs('FusedBatchNormV3', bnAttrs(b, eps), [x4, scale, offset, none, none], 6);
      // TensorFlow returns the batch variance with Bessel's correction (for its moving average);
      // tfjs-layers averages the plain batch variance, which the other backends' kernels return.
      const [n0 = 1, n1 = 1, n2 = 1] = x4.shape;
      const n = n0 * n1 * n2;
      const variance = n > 1 ? tf.mul(unbiased, (n - 1) / n) : tf.zerosLike(unbiased);
      return [shaped(y!, x.shape), mean, variance];
    }) as TensorInfo[];
  }) as KernelFunc,
};

const bnTrainGrad: KernelConfig = {
  kernelName: BN_TRAIN_GRAD,
  backendName: 'tensorflow',
  kernelFunc: (({ inputs, backend, attrs }) => {
    const b = backend as unknown as NativeBackend;
    const { dy, x, scale, mean, variance } = inputs as Record<'dy' | 'x' | 'scale' | 'mean' | 'variance', Tensor>;
    const eps = (attrs as unknown as BnTrainAttrs).varianceEpsilon;
    return tf.tidy(() => {
      const shape = as4d(x);
      // reserve_space_1/2 are the batch mean and (biased) variance on CPU; reserve_space_3 is unused there.
      const [dx, dscale, doffset] = b.executeMultipleOutputs(
        'FusedBatchNormGradV3',
        bnAttrs(b, eps),
        [shaped(dy, shape), shaped(x, shape), scale, mean, variance, tf.zeros([0])],
        5,
      );
      return [shaped(dx!, x.shape), dscale, doffset];
    }) as TensorInfo[];
  }) as KernelFunc,
};

const reluGrad: KernelConfig = {
  kernelName: RELU_GRAD,
  backendName: 'tensorflow',
  kernelFunc: (({ inputs, backend }) => {
    const b = backend as unknown as NativeBackend;
    const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
    return b.executeMultipleOutputs('ReluGrad', floatAttrs(b, []), [dy, x], 1)[0] as TensorInfo;
  }) as KernelFunc,
};

export const NATIVE_KERNELS: readonly KernelConfig[] = [bnTrain, bnTrainGrad, reluGrad];

/** Relu's gradient as one ReluGrad where the backend has it, else tfjs's dy * step(x). */
const reluGradient: GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ['x'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], _attrs: NamedAttrMap) => {
    const [x] = saved;
    const g = dy as Tensor;
    if (x.dtype === 'float32' && tf.getKernel(RELU_GRAD, tf.getBackend())) {
      return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: g, x }) as Tensor };
    }
    return { x: () => tf.mul(g, tf.step(tf.cast(x, 'float32'))) };
  },
};

let coreRelu: GradConfig | undefined;

/** Register the kernels (tensorflow backend only) and the ReluGrad-based gradient (idempotent). */
export function installNativeKernels(): void {
  for (const k of NATIVE_KERNELS) {
    if (tf.getKernel(k.kernelName, k.backendName) === k) continue;
    if (tf.getKernel(k.kernelName, k.backendName)) tf.unregisterKernel(k.kernelName, k.backendName);
    tf.registerKernel(k);
  }
  // The registry keeps a copy of each config, so it is recognised by its gradFunc.
  const current = tf.getGradient(tf.Relu);
  if (current?.gradFunc !== reluGradient.gradFunc) {
    coreRelu = current;
    tf.registerGradient(reluGradient);
  }
}

/** Put tfjs's own Relu gradient back (the kernels stay: they serve only the tensorflow backend). */
export function uninstallNativeKernels(): void {
  if (coreRelu && tf.getGradient(tf.Relu)?.gradFunc === reluGradient.gradFunc) tf.registerGradient(coreRelu);
}
