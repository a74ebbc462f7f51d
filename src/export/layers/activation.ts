import { onnxAxis } from '../value.js';
import { transposeArray } from '../tensor-util.js';
import type { LayerContext, LayerConverter } from './types.js';

/** Activation layers: Activation(name), ReLU (max_value), LeakyReLU, ELU, PReLU, ThresholdedReLU, Softmax. */

const activation: LayerConverter = {
  classNames: ['Activation'],
  convert: (ctx) => [ctx.activation(ctx.inputs[0], ctx.config.activation)],
};

const relu: LayerConverter = {
  classNames: ['ReLU'],
  convert: (ctx: LayerContext) => {
    const x = ctx.inputs[0];
    const max = ctx.config.maxValue as number | null | undefined;
    if (max === null || max === undefined) return [{ name: ctx.b.node('Relu', [x.name], {}, ctx.name), perm: x.perm }];
    const lo = ctx.b.floatConst('zero', [0], []);
    const hi = ctx.b.floatConst(`${ctx.name}/max_value`, [max], []);
    return [{ name: ctx.b.node('Clip', [x.name, lo, hi], {}, ctx.name), perm: x.perm }];
  },
};

const leakyRelu: LayerConverter = {
  classNames: ['LeakyReLU'],
  convert: (ctx: LayerContext) => {
    const x = ctx.inputs[0];
    const alpha = Number(ctx.config.alpha ?? 0.3);
    return [{ name: ctx.b.node('LeakyRelu', [x.name], { alpha: { float: alpha } }, ctx.name), perm: x.perm }];
  },
};

const elu: LayerConverter = {
  classNames: ['ELU'],
  convert: (ctx: LayerContext) => {
    const x = ctx.inputs[0];
    const alpha = Number(ctx.config.alpha ?? 1);
    return [{ name: ctx.b.node('Elu', [x.name], { alpha: { float: alpha } }, ctx.name), perm: x.perm }];
  },
};

const thresholdedRelu: LayerConverter = {
  classNames: ['ThresholdedReLU'],
  convert: (ctx: LayerContext) => {
    const x = ctx.inputs[0];
    const theta = Number(ctx.config.theta ?? 1);
    return [{ name: ctx.b.node('ThresholdedRelu', [x.name], { alpha: { float: theta } }, ctx.name), perm: x.perm }];
  },
};

const softmax: LayerConverter = {
  classNames: ['Softmax'],
  convert: (ctx: LayerContext) => {
    const x = ctx.inputs[0];
    const axisCfg = ctx.config.axis ?? -1;
    const axes = Array.isArray(axisCfg) ? axisCfg : [axisCfg];
    if (axes.length !== 1) ctx.unsupported(`axis ${JSON.stringify(axisCfg)} (only one axis)`);
    return [{ name: ctx.b.node('Softmax', [x.name], { axis: { int: onnxAxis(x, Number(axes[0])) } }, ctx.name), perm: x.perm }];
  },
};

/** PReLU: the learned slope has the input's shape without batch (shared axes of size 1); lay it out like x. */
const prelu: LayerConverter = {
  classNames: ['PReLU'],
  convert: (ctx: LayerContext) => {
    const x = ctx.inputs[0];
    const alpha = ctx.weight('alpha');
    if (!alpha) ctx.unsupported('a missing alpha weight');
    const tfDims = [1, ...alpha.dims];
    const data = transposeArray(alpha.data, tfDims, x.perm);
    const slope = ctx.b.floatTensor(`${ctx.name}/alpha`, data, x.perm.map((a) => tfDims[a]));
    return [{ name: ctx.b.node('PRelu', [x.name, slope], {}, ctx.name), perm: x.perm }];
  },
};

export const activationLayers: LayerConverter[] = [activation, relu, leakyRelu, elu, thresholdedRelu, softmax, prelu];
