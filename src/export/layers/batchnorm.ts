import { broadcastDims, onnxAxis, type ValueRef } from '../value.js';
import type { LayerContext, LayerConverter, Weight } from './types.js';

/**
 * BatchNormalization (inference form). When the normalised axis lands on ONNX axis 1 (channels
 * after a conv, features after a dense) this is an ONNX BatchNormalization with tfjs's epsilon
 * written out, since ONNX's default (1e-5) differs from tfjs's (1e-3); the folding pass merges it
 * into a preceding Conv/Gemm. Elsewhere it becomes x * scale + shift with broadcast constants.
 */
function batchNorm(ctx: LayerContext): ValueRef[] {
  const x = ctx.inputs[0];
  const rank = x.shape.length;
  const axisCfg = ctx.config.axis ?? -1;
  const axes = Array.isArray(axisCfg) ? axisCfg : [axisCfg];
  if (axes.length !== 1) ctx.unsupported(`axis ${JSON.stringify(axisCfg)} (only one axis)`);
  const tfAxis = (Number(axes[0]) + rank) % rank;
  if (tfAxis === 0) ctx.unsupported('axis 0 (the batch axis)');
  const channels = x.shape[tfAxis];
  if (channels === null) ctx.unsupported('an unknown size of the normalised axis');
  const eps = Number(ctx.config.epsilon ?? 1e-3);
  const fill = (v: number): Weight => ({ data: new Float32Array(channels).fill(v), dims: [channels] });
  const gamma = ctx.weight('gamma') ?? fill(1);
  const beta = ctx.weight('beta') ?? fill(0);
  const mean = ctx.weight('moving_mean');
  const variance = ctx.weight('moving_variance');
  if (!mean || !variance) ctx.unsupported('missing moving_mean/moving_variance weights');
  const axis = onnxAxis(x, tfAxis);
  if (axis === 1) {
    const y = ctx.b.node(
      'BatchNormalization',
      [
        x.name,
        ctx.b.floatTensor(`${ctx.name}/gamma`, gamma.data, [channels]),
        ctx.b.floatTensor(`${ctx.name}/beta`, beta.data, [channels]),
        ctx.b.floatTensor(`${ctx.name}/moving_mean`, mean.data, [channels]),
        ctx.b.floatTensor(`${ctx.name}/moving_variance`, variance.data, [channels]),
      ],
      { epsilon: { float: eps } },
      ctx.name,
    );
    return [{ name: y, perm: x.perm }];
  }
  const scale = new Float32Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    scale[c] = gamma.data[c] / Math.sqrt(variance.data[c] + eps);
    shift[c] = beta.data[c] - mean.data[c] * scale[c];
  }
  const dims = broadcastDims(channels, axis, rank);
  const mul = ctx.b.node('Mul', [x.name, ctx.b.floatTensor(`${ctx.name}/scale`, scale, dims)], {}, `${ctx.name}/scaled`);
  const y = ctx.b.node('Add', [mul, ctx.b.floatTensor(`${ctx.name}/shift`, shift, dims)], {}, ctx.name);
  return [{ name: y, perm: x.perm }];
}

export const batchNormLayers: LayerConverter = { classNames: ['BatchNormalization'], convert: batchNorm };
