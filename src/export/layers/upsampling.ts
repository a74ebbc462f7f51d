import type { Attrs } from '../graph.js';
import { tuple } from '../tensor-util.js';
import type { ValueRef } from '../value.js';
import type { LayerContext, LayerConverter } from './types.js';

/**
 * UpSampling2D -> Resize with scales on the spatial axes. tfjs resizes without half-pixel
 * centres or corner alignment, i.e. ONNX's 'asymmetric' coordinates (nearest rounds down).
 */
function upsample(ctx: LayerContext): ValueRef[] {
  const x = ctx.inputs[0];
  const [sh, sw] = tuple(ctx.config.size ?? 2, 2);
  const format = (ctx.config.dataFormat as string | undefined) ?? 'channelsLast';
  const [h, w] = format === 'channelsFirst' ? [2, 3] : [1, 2];
  const scales = x.perm.map((a) => (a === h ? sh : a === w ? sw : 1));
  const interpolation = (ctx.config.interpolation as string | undefined) ?? 'nearest';
  if (interpolation !== 'nearest' && interpolation !== 'bilinear') ctx.unsupported(`interpolation '${interpolation}'`);
  const attrs: Attrs =
    interpolation === 'nearest'
      ? { mode: { string: 'nearest' }, coordinate_transformation_mode: { string: 'asymmetric' }, nearest_mode: { string: 'floor' } }
      : { mode: { string: 'linear' }, coordinate_transformation_mode: { string: 'asymmetric' } };
  const s = ctx.b.floatConst(`${ctx.name}/scales`, scales, [scales.length]);
  // '' = the optional roi input left out.
  return [{ name: ctx.b.node('Resize', [x.name, '', s], attrs, ctx.name), perm: x.perm }];
}

export const upsamplingLayers: LayerConverter = { classNames: ['UpSampling2D'], convert: upsample };
