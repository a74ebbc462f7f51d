import * as tfl from '@tensorflow/tfjs-layers';
import type { ImageShape } from '../../types.js';
import { SeededInit } from './init.js';

export interface SmallCnnOptions {
  widthMultiplier?: number;
  seed?: number;
}

/** A small, fast CNN: two conv-BN-ReLU-maxpool stages, then a hidden dense layer and the head. */
export function smallCnn(inputShape: ImageShape, numClasses: number, opts: SmallCnnOptions = {}): tfl.LayersModel {
  const init = new SeededInit(opts.seed ?? 0);
  const k = opts.widthMultiplier ?? 1;
  const w = (n: number) => Math.max(1, Math.round(n * k));
  const m = tfl.sequential({ name: 'cnn' });
  m.add(tfl.layers.conv2d({ inputShape, filters: w(32), kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init.he(), name: 'conv1' }));
  m.add(tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: 'bn1' }));
  m.add(tfl.layers.activation({ activation: 'relu', name: 'relu1' }));
  m.add(tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }));
  m.add(tfl.layers.conv2d({ filters: w(64), kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init.he(), name: 'conv2' }));
  m.add(tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: 'bn2' }));
  m.add(tfl.layers.activation({ activation: 'relu', name: 'relu2' }));
  m.add(tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }));
  m.add(tfl.layers.flatten({ name: 'flatten' }));
  m.add(tfl.layers.dense({ units: w(128), activation: 'relu', kernelInitializer: init.he(), name: 'fc1' }));
  m.add(tfl.layers.dense({ units: numClasses, kernelInitializer: init.glorot(), name: 'head' }));
  return m;
}
