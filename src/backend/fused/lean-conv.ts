/**
 * tfjs-layers' Conv2D always calls tf.fused.conv2d, even with no bias and no activation to fuse.
 * That op's gradient is a custom one that computes the input gradient eagerly, whether or not
 * anything needs it; for a model's first conv nothing does (the input is data), so a full
 * Conv2DBackpropInput is computed and dropped every step: 11 ms of the small CNN's ~200 ms step
 * (its first conv has 32 filters on a 1-channel image), about 6 ms of ResNet-20's.
 *
 * In training, a 2D channels-last conv with neither bias nor activation here runs tf.conv2d,
 * whose gradient the tape prunes to what the variables need. The kernel is the same Conv2D with
 * nothing fused, so the numbers are too. Inference and every other conv stay tfjs's own.
 */
import * as tf from '@tensorflow/tfjs-core';
// Loaded for its side effect: it registers Conv2D, whose prototype we patch.
import '@tensorflow/tfjs-layers';
import type { Tensor } from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { layerPrototype } from './layer-prototype.js';

/** The fields of tfjs-layers' Conv2D (not in its public typings) that the lean call reads. */
interface ConvLayer {
  rank: number;
  kernel: tfl.LayerVariable;
  bias?: tfl.LayerVariable | null;
  activation?: { getClassName(): string } | null;
  strides: number[];
  padding: string;
  dataFormat: string;
  dilationRate: number[] | number;
}

type Call = (this: ConvLayer, inputs: Tensor | Tensor[], kwargs: Record<string, unknown>) => Tensor | Tensor[];

const proto = layerPrototype<{ call: Call }>('Conv2D');
// Conv2D inherits call from tfjs-layers' Conv; the patch is an own property of Conv2D's prototype
// only (Conv2DTranspose, the one subclass, has its own call), removed again on uninstall.
const ownCall = Object.prototype.hasOwnProperty.call(proto, 'call');
let original: Call | undefined;

const leanCall: Call = function (inputs, kwargs) {
  const x = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : undefined) : inputs;
  const lean =
    kwargs?.['training'] === true &&
    x !== undefined &&
    x.rank === 4 &&
    this.rank === 2 &&
    this.bias == null &&
    (this.activation == null || this.activation.getClassName() === 'linear') &&
    this.dataFormat === 'channelsLast' &&
    (this.padding === 'same' || this.padding === 'valid');
  if (!lean) return original!.call(this, inputs, kwargs);
  const dil = typeof this.dilationRate === 'number' ? [this.dilationRate, this.dilationRate] : this.dilationRate;
  return tf.conv2d(
    x as tf.Tensor4D,
    this.kernel.read() as tf.Tensor4D,
    this.strides as [number, number],
    this.padding as 'same' | 'valid',
    'NHWC',
    dil as [number, number],
  );
};

/** Route bias-free, activation-free Conv2D layers in training through tf.conv2d (idempotent). */
export function installLeanConv(): void {
  if (proto.call !== leanCall) {
    original = proto.call;
    proto.call = leanCall;
  }
}

/** tfjs-layers' own call again (for comparisons). */
export function uninstallLeanConv(): void {
  if (!original || proto.call !== leanCall) return;
  if (ownCall) proto.call = original;
  else delete (proto as { call?: Call }).call;
}

export function leanConvInstalled(): boolean {
  return proto.call === leanCall;
}
