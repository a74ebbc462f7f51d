/**
 * Routes tfjs-layers' BatchNormalization in training through IcmixBatchNormTrain (./kernels.ts)
 * instead of moments + batchNorm. The layer class, its weights, its config and its inference
 * path stay tfjs's own (saved models, the ONNX exporter and other backends see no difference);
 * only `call` with training=true on a channel-last input changes, on backends with the kernel.
 * The moving averages are updated exactly as tfjs-layers does.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
// Loaded for its side effect: it registers BatchNormalization, whose prototype we patch.
import '@tensorflow/tfjs-layers';
import type { Tensor } from '@tensorflow/tfjs-core';
import { BN_TRAIN, backendHas, registerFusedKernels } from './kernels.js';
import { layerPrototype } from './layer-prototype.js';

/** The fields of tfjs-layers' BatchNormalization (not in its public typings) that `call` uses. */
interface BnLayer {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma?: tfl.LayerVariable;
  beta?: tfl.LayerVariable;
  movingMean: tfl.LayerVariable;
  movingVariance: tfl.LayerVariable;
}

type Call = (this: BnLayer, inputs: Tensor | Tensor[], kwargs: Record<string, unknown>) => Tensor | Tensor[];

const proto = layerPrototype<{ call: Call }>('BatchNormalization');
let original: Call | undefined;

function oneTensor(inputs: Tensor | Tensor[]): Tensor | undefined {
  if (!Array.isArray(inputs)) return inputs;
  return inputs.length === 1 ? inputs[0] : undefined;
}

/** tfjs-layers' own update: v <- v - (v - value) * (1 - momentum). */
function movingAverage(v: tfl.LayerVariable, value: Tensor, momentum: number): void {
  tf.tidy(() => {
    const orig = v.read();
    v.write(tf.sub(orig, tf.mul(tf.sub(orig, value), 1 - momentum)));
  });
}

const fusedCall: Call = function (inputs, kwargs) {
  const x = oneTensor(inputs);
  const fusable =
    kwargs?.['training'] === true &&
    x !== undefined &&
    x.dtype === 'float32' &&
    x.rank >= 2 &&
    (this.axis === -1 || this.axis === x.rank - 1) &&
    this.center &&
    this.scale &&
    this.gamma !== undefined &&
    this.beta !== undefined &&
    backendHas(BN_TRAIN);
  if (!fusable) return original!.call(this, inputs, kwargs);
  return tf.tidy(() => {
    const [y, mean, variance] = tf.engine().runKernel(
      BN_TRAIN,
      { x: x!, scale: this.gamma!.read(), offset: this.beta!.read() },
      { varianceEpsilon: this.epsilon },
    ) as Tensor[];
    movingAverage(this.movingMean, mean, this.momentum);
    movingAverage(this.movingVariance, variance, this.momentum);
    return y;
  });
};

/** Use the fused BN-in-training kernels where the backend has them (idempotent). */
export function installFusedTraining(): void {
  registerFusedKernels();
  if (proto.call !== fusedCall) {
    original = proto.call;
    proto.call = fusedCall;
  }
}

/** tfjs's unfused path again (for comparisons). */
export function uninstallFusedTraining(): void {
  if (original && proto.call === fusedCall) proto.call = original;
}

/** Whether the fused path is installed. */
export function fusedTrainingInstalled(): boolean {
  return proto.call === fusedCall;
}
