import type { GraphBuilder } from './graph.js';
import { onnxAxis, type ValueRef } from './value.js';

/**
 * tfjs activations as ONNX nodes, keyed by tfjs's serialised name lower-cased without
 * underscores ('hardSigmoid' -> 'hardsigmoid', 'gelu_new' -> 'gelunew'). Each maps a value to a
 * value in the same layout; adding one is one entry here.
 */
type Emit = (b: GraphBuilder, x: ValueRef, base: string) => string;

// tfjs-core's selu constants (also Keras's); ONNX's defaults are the same numbers rounded to float.
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

const unary = (op: string): Emit => (b, x, base) => b.node(op, [x.name], {}, base);

const ACTIVATIONS: Record<string, Emit> = {
  linear: (_b, x) => x.name,
  relu: unary('Relu'),
  relu6: (b, x, base) => b.node('Clip', [x.name, b.floatConst('zero', [0], []), b.floatConst('six', [6], [])], {}, base),
  elu: (b, x, base) => b.node('Elu', [x.name], { alpha: { float: 1 } }, base),
  selu: (b, x, base) => b.node('Selu', [x.name], { alpha: { float: SELU_ALPHA }, gamma: { float: SELU_SCALE } }, base),
  sigmoid: unary('Sigmoid'),
  // tfjs: clip(0.2 * x + 0.5, 0, 1), which is ONNX HardSigmoid with these alpha/beta.
  hardsigmoid: (b, x, base) => b.node('HardSigmoid', [x.name], { alpha: { float: 0.2 }, beta: { float: 0.5 } }, base),
  tanh: unary('Tanh'),
  softplus: unary('Softplus'),
  softsign: unary('Softsign'),
  // tfjs softmax/logSoftmax act on the last tfjs axis, wherever the layout put it.
  softmax: (b, x, base) => b.node('Softmax', [x.name], { axis: { int: onnxAxis(x, -1) } }, base),
  logsoftmax: (b, x, base) => b.node('LogSoftmax', [x.name], { axis: { int: onnxAxis(x, -1) } }, base),
  // x * sigmoid(x)
  swish: (b, x, base) => b.node('Mul', [x.name, b.node('Sigmoid', [x.name], {}, `${base}/sigmoid`)], {}, base),
  // x * tanh(softplus(x)); ONNX's Mish op needs opset 18.
  mish: (b, x, base) =>
    b.node('Mul', [x.name, b.node('Tanh', [b.node('Softplus', [x.name], {}, `${base}/softplus`)], {}, `${base}/tanh`)], {}, base),
  // tfjs 'gelu' is the exact form x * 0.5 * (1 + erf(x / sqrt 2)); ONNX's Gelu op needs opset 20.
  gelu: (b, x, base) => {
    const erf = b.node('Erf', [b.node('Div', [x.name, b.floatConst('sqrt2', [Math.SQRT2], [])], {}, `${base}/scaled`)], {}, `${base}/erf`);
    const cdf = b.node('Mul', [b.node('Add', [erf, b.floatConst('one', [1], [])], {}, `${base}/erf1`), b.floatConst('half', [0.5], [])], {}, `${base}/cdf`);
    return b.node('Mul', [x.name, cdf], {}, base);
  },
  // tfjs 'gelu_new': 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))).
  gelunew: (b, x, base) => {
    const x3 = b.node('Mul', [x.name, b.node('Mul', [x.name, x.name], {}, `${base}/x2`)], {}, `${base}/x3`);
    const inner = b.node('Add', [x.name, b.node('Mul', [x3, b.floatConst('c044715', [0.044715], [])], {}, `${base}/cx3`)], {}, `${base}/inner`);
    const t = b.node('Tanh', [b.node('Mul', [inner, b.floatConst('sqrt2pi', [Math.sqrt(2 / Math.PI)], [])], {}, `${base}/arg`)], {}, `${base}/tanh`);
    const half = b.node('Mul', [b.node('Add', [t, b.floatConst('one', [1], [])], {}, `${base}/t1`), b.floatConst('half', [0.5], [])], {}, `${base}/half`);
    return b.node('Mul', [x.name, half], {}, base);
  },
};

export const activationKey = (id: string): string => id.toLowerCase().replace(/_/g, '');

export function hasActivation(id: string): boolean {
  return activationKey(id) in ACTIVATIONS;
}

export function listActivations(): string[] {
  return Object.keys(ACTIVATIONS);
}

/** Emit activation `id` on `x`; returns the result in x's layout. Caller checks `hasActivation`. */
export function emitActivation(b: GraphBuilder, x: ValueRef, id: string, base: string): ValueRef {
  const name = ACTIVATIONS[activationKey(id)](b, x, base);
  return { name, perm: x.perm };
}
