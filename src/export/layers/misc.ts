import type { ValueRef } from '../value.js';
import type { LayerContext, LayerConverter } from './types.js';

/** Training-only layers: the identity at inference, so they add no nodes. */
export const trainingOnlyLayers: LayerConverter = {
  classNames: ['Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'SpatialDropout3D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'ActivityRegularization'],
  convert: (ctx) => [ctx.inputs[0]],
};

/** Rescaling: x * scale + offset. */
export const rescalingLayers: LayerConverter = {
  classNames: ['Rescaling'],
  convert: (ctx: LayerContext): ValueRef[] => {
    const x = ctx.inputs[0];
    const scale = Number(ctx.config.scale ?? 1);
    const offset = Number(ctx.config.offset ?? 0);
    let y = ctx.b.node('Mul', [x.name, ctx.b.floatConst(`${ctx.name}/scale`, [scale], [])], {}, offset !== 0 ? `${ctx.name}/scaled` : ctx.name);
    if (offset !== 0) y = ctx.b.node('Add', [y, ctx.b.floatConst(`${ctx.name}/offset`, [offset], [])], {}, ctx.name);
    return [{ name: y, perm: x.perm }];
  },
};
