import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { ImageShape } from '../../types.js';
import { SeededInit } from './init.js';

export interface ResNetOptions {
  /** Blocks per stage; depth = 6n + 2. */
  blocksPerStage: number;
  /** Multiplies the 16/32/64 stage widths. */
  widthMultiplier?: number;
  seed?: number;
}

/**
 * CIFAR-style ResNet (He et al. 2016, section 4.2): a 3x3 stem, three stages of basic blocks at
 * widths 16/32/64 (stride 2 entering stages 2 and 3), global average pooling and a dense head.
 * Shortcuts that change shape use a 1x1 convolution with BN (option B), which exports cleanly.
 */
export function resnet(
  inputShape: ImageShape,
  numClasses: number,
  opts: ResNetOptions,
): tfl.LayersModel {
  const init = new SeededInit(opts.seed ?? 0);
  const k = opts.widthMultiplier ?? 1;
  const widths = [16, 32, 64].map((w) => Math.max(1, Math.round(w * k)));
  const input = tfl.input({ shape: inputShape, name: 'image' });

  const conv = (x: SymbolicTensor, filters: number, size: number, stride: number, name: string) =>
    tfl.layers
      .conv2d({
        filters,
        kernelSize: size,
        strides: stride,
        padding: 'same',
        useBias: false,
        kernelInitializer: init.he(),
        name,
      })
      .apply(x) as SymbolicTensor;
  // PyTorch's BN defaults (momentum 0.1, eps 1e-5) so runs compare with the reference trainer.
  const bn = (x: SymbolicTensor, name: string) =>
    tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, name }).apply(x) as SymbolicTensor;
  const relu = (x: SymbolicTensor, name: string) =>
    tfl.layers.activation({ activation: 'relu', name }).apply(x) as SymbolicTensor;

  let x = relu(bn(conv(input, widths[0], 3, 1, 'stem_conv'), 'stem_bn'), 'stem_relu');
  let channels = widths[0];
  widths.forEach((width, stage) => {
    for (let b = 0; b < opts.blocksPerStage; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      const p = `s${stage + 1}b${b + 1}`;
      let y = relu(bn(conv(x, width, 3, stride, `${p}_conv1`), `${p}_bn1`), `${p}_relu1`);
      y = bn(conv(y, width, 3, 1, `${p}_conv2`), `${p}_bn2`);
      const shortcut =
        stride !== 1 || channels !== width ? bn(conv(x, width, 1, stride, `${p}_proj`), `${p}_proj_bn`) : x;
      x = relu(tfl.layers.add({ name: `${p}_add` }).apply([y, shortcut]) as SymbolicTensor, `${p}_relu2`);
      channels = width;
    }
  });
  const pooled = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as SymbolicTensor;
  const logits = tfl.layers
    .dense({ units: numClasses, kernelInitializer: init.glorot(), name: 'head' })
    .apply(pooled) as SymbolicTensor;
  return tfl.model({ inputs: input, outputs: logits, name: `resnet${6 * opts.blocksPerStage + 2}` });
}
