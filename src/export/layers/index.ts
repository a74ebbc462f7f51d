import type { LayerConverter } from './types.js';
import { activationLayers } from './activation.js';
import { batchNormLayers } from './batchnorm.js';
import { convLayers, depthwiseConvLayers, separableConvLayers } from './conv.js';
import { denseLayers } from './dense.js';
import { mergeLayers } from './merge.js';
import { rescalingLayers, trainingOnlyLayers } from './misc.js';
import { paddingLayers } from './padding.js';
import { poolingLayers } from './pooling.js';
import { reshapeLayers } from './reshape.js';
import { upsamplingLayers } from './upsampling.js';

export type { LayerContext, LayerConverter, Weight } from './types.js';

/** Every supported tfjs layer family: adding one is a file under layers/ and one line here. */
const FAMILIES: (LayerConverter | LayerConverter[])[] = [
  denseLayers,
  convLayers,
  depthwiseConvLayers,
  separableConvLayers,
  batchNormLayers,
  activationLayers,
  mergeLayers,
  poolingLayers,
  reshapeLayers,
  paddingLayers,
  upsamplingLayers,
  rescalingLayers,
  trainingOnlyLayers,
];

const REGISTRY = new Map<string, LayerConverter>();
for (const c of FAMILIES.flat()) for (const name of c.classNames) REGISTRY.set(name, c);

export function layerConverter(className: string): LayerConverter | undefined {
  return REGISTRY.get(className);
}

/** tfjs class names the exporter handles, sorted. */
export function supportedLayers(): string[] {
  return [...REGISTRY.keys()].sort();
}
