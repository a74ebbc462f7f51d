/**
 * Every supported layer, alone or with the few layers it needs around it, exported and run in
 * onnxruntime-node against tfjs (max |diff| <= 1e-4, same top-1), then Debian's onnx checker.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { samePadding } from '../../src/export/padding.js';
import { checkAllWritten, cpuBackend, exportAndCheck, randomizeWeights } from './helpers.js';

type ST = tfl.SymbolicTensor;
const L = tfl.layers;

/** input -> layers... as a sequential model with seeded weights. */
function seq(inputShape: number[], layers: tfl.layers.Layer[], seed = 1): tfl.LayersModel {
  const m = tfl.sequential();
  m.add(L.inputLayer({ inputShape }));
  for (const l of layers) m.add(l);
  randomizeWeights(m, seed);
  return m;
}

/** A conv front so a layer sees a channels-first tensor inside the graph, then flatten + dense head. */
function convSandwich(inputShape: number[], layer: tfl.layers.Layer, seed = 2): tfl.LayersModel {
  return seq(inputShape, [L.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }), layer, L.flatten(), L.dense({ units: 5 })], seed);
}

before(cpuBackend);

describe('TF same padding', () => {
  test('matches hand-worked values, including the asymmetric cases', () => {
    assert.deepEqual(samePadding(8, 3, 2), [0, 1]); // out 4: (4-1)*2+3-8 = 1 -> extra at the end
    assert.deepEqual(samePadding(7, 3, 2), [1, 1]); // out 4: 6+3-7 = 2
    assert.deepEqual(samePadding(5, 4, 1), [1, 2]); // even kernel: 3 -> 1 before, 2 after
    assert.deepEqual(samePadding(6, 3, 1, 2), [2, 2]); // dilated kernel spans 5
    assert.deepEqual(samePadding(7, 1, 2), [0, 0]);
  });
});

describe('dense', () => {
  test('Dense with and without bias, with activation', async () => {
    await exportAndCheck('dense', seq([10], [L.dense({ units: 7, activation: 'tanh' }), L.dense({ units: 3, useBias: false })]));
  });
  test('Dense on a rank-3 input (applied to the last axis)', async () => {
    await exportAndCheck('dense_rank3', seq([4, 6], [L.dense({ units: 5 }), L.flatten(), L.dense({ units: 3 })]));
  });
});

describe('convolutions', () => {
  const cases: [string, number[], Parameters<typeof L.conv2d>[0]][] = [
    ['valid', [7, 7, 3], { filters: 5, kernelSize: 3, padding: 'valid' }],
    ['same_s1_k3', [6, 6, 3], { filters: 5, kernelSize: 3, padding: 'same' }],
    ['same_s1_k4_even_kernel', [6, 5, 2], { filters: 3, kernelSize: 4, padding: 'same' }],
    ['same_s2_even', [8, 8, 3], { filters: 4, kernelSize: 3, strides: 2, padding: 'same' }],
    ['same_s2_odd', [7, 9, 3], { filters: 4, kernelSize: 3, strides: 2, padding: 'same' }],
    ['same_s2_k1', [8, 7, 3], { filters: 4, kernelSize: 1, strides: 2, padding: 'same' }],
    ['valid_s2_rect', [9, 8, 2], { filters: 4, kernelSize: [3, 2], strides: [2, 1], padding: 'valid' }],
    ['dilated_same', [9, 9, 2], { filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same' }],
    ['no_bias_relu', [6, 6, 3], { filters: 4, kernelSize: 3, padding: 'same', useBias: false, activation: 'relu' }],
  ];
  for (const [name, shape, cfg] of cases) {
    test(`Conv2D ${name}`, async () => {
      const r = await exportAndCheck(`conv2d_${name}`, seq(shape, [L.conv2d(cfg), L.flatten(), L.dense({ units: 4 })]));
      assert.equal(r.summary.opCounts.Conv, 1);
    });
  }
  test('Conv2D same stride 2 writes asymmetric explicit pads', async () => {
    const r = await exportAndCheck('conv2d_pads', seq([8, 8, 1], [L.conv2d({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }), L.globalAveragePooling2d({})]));
    assert.equal(r.summary.opCounts.Conv, 1);
    const { decodeModel } = await import('../../src/onnx/index.js');
    const conv = decodeModel(r.bytes).graph!.node!.find((n) => n.opType === 'Conv')!;
    assert.deepEqual(conv.attribute!.find((a) => a.name === 'pads')!.ints, [0, 0, 1, 1]);
  });
  test('Conv1D dilated valid, then same with stride 2', async () => {
    await exportAndCheck(
      'conv1d',
      seq([10, 3], [L.conv1d({ filters: 4, kernelSize: 3, padding: 'valid', dilationRate: 2 }), L.conv1d({ filters: 3, kernelSize: 2, strides: 2, padding: 'same' }), L.flatten(), L.dense({ units: 3 })]),
    );
  });
  test('DepthwiseConv2D with depth multiplier, stride 2 same, bias', async () => {
    await exportAndCheck('depthwise', seq([7, 8, 3], [L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same' }), L.flatten(), L.dense({ units: 4 })]));
  });
  test('DepthwiseConv2D valid, multiplier 1, no bias', async () => {
    await exportAndCheck('depthwise_valid', seq([6, 6, 4], [L.depthwiseConv2d({ kernelSize: 3, useBias: false, activation: 'relu6' }), L.flatten(), L.dense({ units: 4 })]));
  });
  test('SeparableConv2D with multiplier, dilation and same padding', async () => {
    await exportAndCheck('separable', seq([8, 8, 3], [L.separableConv2d({ filters: 5, kernelSize: 3, depthMultiplier: 2, padding: 'same', dilationRate: 2 }), L.flatten(), L.dense({ units: 4 })]));
  });
  test('SeparableConv2D stride 2 valid', async () => {
    await exportAndCheck('separable_s2', seq([9, 9, 2], [L.separableConv2d({ filters: 4, kernelSize: 3, strides: 2, activation: 'elu' }), L.flatten(), L.dense({ units: 4 })]));
  });
});

describe('batch normalisation', () => {
  const convBn = (seed: number, small = false) => {
    const m = seq([6, 6, 3], [L.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }), L.batchNormalization({}), L.activation({ activation: 'relu' }), L.flatten(), L.dense({ units: 4 }), L.batchNormalization({ epsilon: 0.01 })], seed);
    randomizeWeights(m, seed, { smallVariance: small });
    return m;
  };
  test('folded into the conv and the dense before it (default)', async () => {
    const r = await exportAndCheck('bn_folded', convBn(3));
    assert.equal(r.summary.opCounts.BatchNormalization, undefined);
    assert.equal(r.summary.opCounts.Conv, 1);
    assert.equal(r.summary.opCounts.Gemm, 1);
  });
  test('kept as BatchNormalization with --no-fold-bn, epsilon explicit', async () => {
    const r = await exportAndCheck('bn_unfolded', convBn(3), { foldBatchNorm: false });
    assert.equal(r.summary.opCounts.BatchNormalization, 2);
  });
  test('tiny variances: tfjs epsilon (1e-3), not ONNX default, folded and not', async () => {
    await exportAndCheck('bn_small_var_folded', convBn(4, true));
    await exportAndCheck('bn_small_var_unfolded', convBn(4, true), { foldBatchNorm: false });
  });
  test('on the raw NHWC input (no conv to fold into) becomes Mul/Add on the channel axis', async () => {
    const m = seq([5, 5, 3], [L.batchNormalization({ epsilon: 1e-5 }), L.flatten(), L.dense({ units: 3 })], 5);
    const r = await exportAndCheck('bn_input', m);
    assert.equal(r.summary.opCounts.Mul, 1);
  });
  test('without scale and center, after a conv with activation (not foldable)', async () => {
    const m = seq([6, 6, 2], [L.conv2d({ filters: 3, kernelSize: 3, activation: 'relu' }), L.batchNormalization({ scale: false, center: false }), L.flatten(), L.dense({ units: 3 })], 6);
    const r = await exportAndCheck('bn_no_affine', m);
    assert.equal(r.summary.opCounts.BatchNormalization, 1);
  });
});

describe('activations', () => {
  const names = ['linear', 'relu', 'relu6', 'elu', 'selu', 'sigmoid', 'hardSigmoid', 'tanh', 'softmax', 'softplus', 'softsign', 'swish', 'mish', 'gelu', 'gelu_new', 'logSoftmax'];
  for (const a of names) {
    test(`Activation('${a}') on dense features and on conv feature maps`, async () => {
      // Scale the pre-activations up so hard_sigmoid's clipping and relu6's cap are reached.
      const m = seq([6], [L.dense({ units: 8 }), L.rescaling({ scale: 3 }), L.activation({ activation: a as never }), L.dense({ units: 4 })], 10);
      await exportAndCheck(`act_${a}`, m);
      await exportAndCheck(`act_${a}_conv`, convSandwich([5, 5, 2], L.activation({ activation: a as never })));
    });
  }
  test('ReLU layer with and without max_value', async () => {
    await exportAndCheck('relu_max', convSandwich([5, 5, 2], L.reLU({ maxValue: 0.5 })));
    await exportAndCheck('relu_plain', convSandwich([5, 5, 2], L.reLU({})));
  });
  test('LeakyReLU, ELU, ThresholdedReLU layers', async () => {
    await exportAndCheck('leaky', convSandwich([5, 5, 2], L.leakyReLU({ alpha: 0.1 })));
    await exportAndCheck('leaky_default', seq([6], [L.dense({ units: 5 }), L.leakyReLU({}), L.dense({ units: 3 })]));
    await exportAndCheck('elu_layer', convSandwich([5, 5, 2], L.elu({})));
    await exportAndCheck('thresholded', convSandwich([5, 5, 2], L.thresholdedReLU({ theta: 0.4 })));
  });
  test('Softmax layer over channels of a conv map', async () => {
    await exportAndCheck('softmax_layer', convSandwich([5, 5, 2], L.softmax({ axis: -1 })));
    await exportAndCheck('softmax_layer_dense', seq([6], [L.dense({ units: 5 }), L.softmax({}), L.dense({ units: 3 })]));
  });
  test('PReLU with per-channel slopes (shared spatial axes) and full slopes', async () => {
    await exportAndCheck('prelu_shared', convSandwich([5, 4, 2], L.prelu({ sharedAxes: [1, 2] })));
    await exportAndCheck('prelu_full', convSandwich([5, 4, 2], L.prelu({})));
  });
});

describe('merge layers', () => {
  /** Two conv branches off one input, merged, then a head. */
  function twoBranch(merge: (xs: ST[]) => ST, seed = 20): tfl.LayersModel {
    const x = tfl.input({ shape: [6, 6, 3] });
    const a = L.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(x) as ST;
    const b = L.conv2d({ filters: 4, kernelSize: 1 }).apply(x) as ST;
    const c = L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x) as ST;
    const y = L.dense({ units: 4 }).apply(L.flatten().apply(merge([a, b, c])) as ST) as ST;
    const m = tfl.model({ inputs: x, outputs: y });
    randomizeWeights(m, seed);
    return m;
  }
  const merges: [string, (xs: ST[]) => ST][] = [
    ['add', (xs) => L.add().apply(xs) as ST],
    ['multiply', (xs) => L.multiply().apply(xs) as ST],
    ['average', (xs) => L.average().apply(xs) as ST],
    ['maximum', (xs) => L.maximum().apply(xs) as ST],
    ['minimum', (xs) => L.minimum().apply(xs) as ST],
    ['concatenate_channels', (xs) => L.concatenate().apply(xs) as ST],
    ['concatenate_height', (xs) => L.concatenate({ axis: 1 }).apply(xs) as ST],
    ['subtract', (xs) => new Subtract({}).apply([xs[0], xs[1]]) as ST],
  ];
  for (const [name, merge] of merges) {
    test(`${name} of three conv branches`, async () => {
      await exportAndCheck(`merge_${name}`, twoBranch(merge));
    });
  }
  test('Concatenate of dense vectors', async () => {
    const x = tfl.input({ shape: [5] });
    const a = L.dense({ units: 3 }).apply(x) as ST;
    const b = L.dense({ units: 2, activation: 'sigmoid' }).apply(x) as ST;
    const m = tfl.model({ inputs: x, outputs: L.dense({ units: 3 }).apply(L.concatenate().apply([a, b])) as ST });
    randomizeWeights(m, 21);
    await exportAndCheck('concat_dense', m);
  });
});

describe('pooling', () => {
  const cases: [string, number[], tfl.layers.Layer][] = [
    ['max_valid', [6, 6, 2], L.maxPooling2d({ poolSize: 2 })],
    ['max_same_s2_odd', [7, 7, 2], L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' })],
    ['max_same_s2_even', [8, 6, 2], L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' })],
    ['avg_valid_s1', [6, 6, 2], L.averagePooling2d({ poolSize: 3, strides: 1 })],
    // 'same' averaging divides by the real pixels in the window: count_include_pad = 0.
    ['avg_same_s1', [5, 5, 2], L.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' })],
    ['avg_same_s2_odd', [7, 7, 2], L.averagePooling2d({ poolSize: 2, strides: 2, padding: 'same' })],
  ];
  for (const [name, shape, layer] of cases) {
    test(`${name}`, async () => {
      // Input in [0,1] shifted positive by the conv's bias-free relu so padding would show.
      await exportAndCheck(`pool_${name}`, seq(shape, [L.conv2d({ filters: 3, kernelSize: 1, activation: 'relu' }), layer, L.flatten(), L.dense({ units: 3 })]));
    });
  }
  test('GlobalAveragePooling2D and GlobalMaxPooling2D', async () => {
    await exportAndCheck('gap', seq([5, 6, 3], [L.conv2d({ filters: 4, kernelSize: 3 }), L.globalAveragePooling2d({}), L.dense({ units: 3 })]));
    await exportAndCheck('gmp', seq([5, 6, 3], [L.conv2d({ filters: 4, kernelSize: 3 }), L.globalMaxPooling2d({}), L.dense({ units: 3 })]));
  });
  test('1-D pooling layers', async () => {
    await exportAndCheck('pool1d', seq([12, 3], [L.maxPooling1d({ poolSize: 2 }), L.averagePooling1d({ poolSize: 3, strides: 1, padding: 'same' }), L.conv1d({ filters: 2, kernelSize: 2 }), L.globalAveragePooling1d({}), L.dense({ units: 3 })]));
  });
});

describe('reshaping and padding', () => {
  test('Flatten after conv keeps tfjs (NHWC) element order', async () => {
    const r = await exportAndCheck('flatten_after_conv', seq([5, 4, 3], [L.conv2d({ filters: 3, kernelSize: 2 }), L.flatten(), L.dense({ units: 6 })]));
    // One transpose back to NHWC before the Flatten (the NHWC input goes to NCHW once as well).
    assert.equal(r.summary.opCounts.Transpose, 2);
  });
  test('Reshape after conv', async () => {
    await exportAndCheck('reshape', seq([4, 4, 2], [L.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }), L.reshape({ targetShape: [8, 6] }), L.dense({ units: 2 }), L.flatten(), L.dense({ units: 3 })]));
  });
  test('Reshape back to an image, then conv', async () => {
    await exportAndCheck('reshape_to_image', seq([24], [L.dense({ units: 32 }), L.reshape({ targetShape: [4, 4, 2] }), L.conv2d({ filters: 2, kernelSize: 3 }), L.flatten(), L.dense({ units: 3 })]));
  });
  test('Permute after conv and on plain tensors', async () => {
    await exportAndCheck('permute_conv', seq([4, 5, 2], [L.conv2d({ filters: 3, kernelSize: 2 }), L.permute({ dims: [3, 1, 2] }), L.flatten(), L.dense({ units: 3 })]));
    await exportAndCheck('permute_plain', seq([3, 4], [L.permute({ dims: [2, 1] }), L.dense({ units: 2 }), L.flatten(), L.dense({ units: 3 })]));
  });
  test('ZeroPadding2D (asymmetric) and Cropping2D', async () => {
    await exportAndCheck('zeropad', convSandwich([5, 4, 2], L.zeroPadding2d({ padding: [[1, 2], [0, 3]] })));
    await exportAndCheck('zeropad_sym', seq([5, 4, 2], [L.zeroPadding2d({ padding: 1 }), L.conv2d({ filters: 2, kernelSize: 3 }), L.flatten(), L.dense({ units: 3 })]));
    await exportAndCheck('crop', convSandwich([7, 6, 2], L.cropping2D({ cropping: [[1, 0], [2, 1]] })));
  });
  test('UpSampling2D nearest and bilinear', async () => {
    await exportAndCheck('upsample_nearest', convSandwich([3, 4, 2], L.upSampling2d({ size: [2, 3] })));
    await exportAndCheck('upsample_bilinear', convSandwich([3, 4, 2], L.upSampling2d({ size: [2, 2], interpolation: 'bilinear' })));
  });
  test('Rescaling', async () => {
    await exportAndCheck('rescaling', convSandwich([4, 4, 2], L.rescaling({ scale: 1 / 255, offset: -0.5 })));
  });
});

describe('training-only layers', () => {
  test('Dropout, SpatialDropout1D, GaussianNoise, GaussianDropout, AlphaDropout add no nodes', async () => {
    const m = seq([6, 4], [L.spatialDropout1d({ rate: 0.3 }), L.flatten(), L.dropout({ rate: 0.5 }), L.dense({ units: 5 }), L.gaussianNoise({ stddev: 1 }), L.gaussianDropout({ rate: 0.2 }), L.alphaDropout({ rate: 0.2 }), L.dense({ units: 3 })]);
    const r = await exportAndCheck('training_only', m);
    assert.deepEqual(Object.keys(r.summary.opCounts).sort(), ['Flatten', 'Gemm']);
  });
});

/** tfjs-layers has no Subtract layer; Keras models can have one, so the exporter handles the class name. */
class Subtract extends L.Layer {
  static className = 'Subtract';
  override computeOutputShape(s: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return (s as tfl.Shape[])[0];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [a, b] = inputs as tf.Tensor[];
    return tf.sub(a, b);
  }
  override getClassName(): string {
    return 'Subtract';
  }
}

test("Debian's onnx checker (full_check + strict shape inference) accepts every model above", () => {
  const lines = checkAllWritten();
  for (const l of lines) assert.deepEqual(l.opset, [13], l.path);
});
