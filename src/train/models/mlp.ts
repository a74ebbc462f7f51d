import * as tfl from '@tensorflow/tfjs-layers';
import type { ImageShape } from '../../types.js';
import { SeededInit } from './init.js';

export interface MlpOptions {
  hidden?: number[];
  seed?: number;
}

/** A multilayer perceptron on flattened pixels: the cheapest baseline model. */
export function mlp(inputShape: ImageShape, numClasses: number, opts: MlpOptions = {}): tfl.LayersModel {
  const init = new SeededInit(opts.seed ?? 0);
  const m = tfl.sequential({ name: 'mlp' });
  m.add(tfl.layers.flatten({ inputShape, name: 'flatten' }));
  (opts.hidden ?? [256, 128]).forEach((units, i) =>
    m.add(tfl.layers.dense({ units, activation: 'relu', kernelInitializer: init.he(), name: `fc${i + 1}` })),
  );
  m.add(tfl.layers.dense({ units: numClasses, kernelInitializer: init.glorot(), name: 'head' }));
  return m;
}
