/**
 * icmix's wasm training kernels against references: the cpu backend's kernels on random inputs
 * (strides 1/2, same/valid/explicit padding, 1x1 and 3x3, odd sizes), and for dilations (which
 * tfjs's cpu backprop kernels ignore) a naive loop written from the definition here, itself
 * checked against cpu at dilation 1. Ends with tf.grad of a small conv net, wasm vs cpu.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-layers registers core's gradient functions (as it does in the app).
import '@tensorflow/tfjs-layers';
import { backend_util } from '@tensorflow/tfjs-core';
import { registerWasmTrainingKernels } from '../../src/backend/wasm/register.js';
import { chunkImages, setFilterGradChunkBytes } from '../../src/backend/wasm/conv2d-backprop-filter.js';
import { Rng } from '../../src/util/rng.js';

type Pad = 'same' | 'valid' | backend_util.ExplicitPadding;
interface Arr {
  shape: number[];
  data: Float32Array;
}

const rng = new Rng(20240611);
function rand(shape: number[]): Arr {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.next() * 2 - 1;
  return { shape, data };
}

/** Run one kernel on a backend; tensors are made there from the same host data. */
async function run(backend: string, kernel: string, inputs: Record<string, Arr>, attrs: object): Promise<Arr> {
  await tf.setBackend(backend);
  const ts: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(inputs)) ts[k] = tf.tensor(v.data, v.shape);
  const out = tf.engine().runKernel(kernel, ts, attrs as tf.NamedAttrMap) as tf.Tensor;
  const res = { shape: out.shape, data: (await out.data()) as Float32Array };
  tf.dispose([out, ...Object.values(ts)]);
  return res;
}

/** max |a - b| relative to the reference's largest magnitude. */
function relErr(got: Arr, ref: Arr): number {
  assert.deepEqual(got.shape, ref.shape);
  let diff = 0;
  let mag = 0;
  for (let i = 0; i < ref.data.length; i++) {
    diff = Math.max(diff, Math.abs(got.data[i] - ref.data[i]));
    mag = Math.max(mag, Math.abs(ref.data[i]));
  }
  return diff / Math.max(mag, 1e-12);
}

/** Naive reference from the definition: returns [dx, dW] of sum(dy * conv(x, W)). */
function naiveConvGrads(
  x: Arr,
  w: Arr,
  dy: Arr,
  strides: number,
  dilations: number,
  pad: Pad,
  depthwise: boolean,
): { dx: Arr; dW: Arr } {
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    w.shape as [number, number, number, number],
    strides,
    dilations,
    pad,
    undefined,
    depthwise,
  );
  const [B, H, W, C] = x.shape;
  const [KH, KW] = w.shape;
  const O = info.outChannels;
  const mult = depthwise ? w.shape[3] : 1;
  const dx = new Float32Array(x.data.length);
  const dW = new Float32Array(w.data.length);
  for (let b = 0; b < B; b++)
    for (let oh = 0; oh < info.outHeight; oh++)
      for (let ow = 0; ow < info.outWidth; ow++)
        for (let kh = 0; kh < KH; kh++)
          for (let kw = 0; kw < KW; kw++) {
            const ih = oh * info.strideHeight + kh * info.dilationHeight - info.padInfo.top;
            const iw = ow * info.strideWidth + kw * info.dilationWidth - info.padInfo.left;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            for (let o = 0; o < O; o++) {
              const g = dy.data[((b * info.outHeight + oh) * info.outWidth + ow) * O + o];
              const cs = depthwise ? [Math.floor(o / mult)] : Array.from({ length: C }, (_, c) => c);
              for (const c of cs) {
                const xi = ((b * H + ih) * W + iw) * C + c;
                const wi = depthwise ? ((kh * KW + kw) * C + c) * mult + (o % mult) : ((kh * KW + kw) * C + c) * O + o;
                dx[xi] += g * w.data[wi];
                dW[wi] += g * x.data[xi];
              }
            }
          }
  return { dx: { shape: x.shape, data: dx }, dW: { shape: w.shape, data: dW } };
}

function outShape(x: number[], w: number[], strides: number, dil: number, pad: Pad, depthwise: boolean): number[] {
  const i = backend_util.computeConv2DInfo(
    x as [number, number, number, number],
    w as [number, number, number, number],
    strides,
    dil,
    pad,
    undefined,
    depthwise,
  );
  return i.outShape;
}

const TOL = 1e-4;
const explicitPad: backend_util.ExplicitPadding = [
  [0, 0],
  [1, 2],
  [2, 0],
  [0, 0],
];
/** [batch, h, w] cases: odd, even, and non-square. */
const SIZES: [number, number, number][] = [
  [2, 7, 7],
  [3, 8, 5],
];
const PADS: Pad[] = ['same', 'valid', explicitPad];

async function setup(): Promise<void> {
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
  await tf.ready();
}

test('Conv2DBackpropFilter and Conv2DBackpropInput match cpu', async () => {
  await setup();
  let n = 0;
  for (const [b, h, w] of SIZES)
    for (const k of [1, 3])
      for (const s of [1, 2])
        for (const pad of PADS) {
          const [ci, co] = [3, 5];
          const fShape = [k, k, ci, co];
          const x = rand([b, h, w, ci]);
          const f = rand(fShape);
          const dy = rand(outShape(x.shape, fShape, s, 1, pad, false));
          const fAttrs = { strides: s, pad, dataFormat: 'NHWC', filterShape: fShape };
          const iAttrs = { strides: s, pad, dataFormat: 'NHWC', inputShape: x.shape };
          const tag = `x=${x.shape} k=${k} s=${s} pad=${JSON.stringify(pad)}`;
          const dWref = await run('cpu', 'Conv2DBackpropFilter', { x, dy }, fAttrs);
          const dWgot = await run('wasm', 'Conv2DBackpropFilter', { x, dy }, fAttrs);
          assert.ok(relErr(dWgot, dWref) < TOL, `filter ${tag}: ${relErr(dWgot, dWref)}`);
          const dxRef = await run('cpu', 'Conv2DBackpropInput', { dy, filter: f }, iAttrs);
          const dxGot = await run('wasm', 'Conv2DBackpropInput', { dy, filter: f }, iAttrs);
          assert.ok(relErr(dxGot, dxRef) < TOL, `input ${tag}: ${relErr(dxGot, dxRef)}`);
          n++;
        }
  assert.equal(n, 24);
});

test('Conv2D backprops with wider channels and stride 2 3x3 on an even map (ResNet shapes)', async () => {
  await setup();
  // ci 16 and 64: the stride-2 input gradient scatters pixels with a loop below 64 channels, with
  // TypedArray.set from 64.
  for (const [k, s, ci] of [
    [3, 2, 16],
    [1, 2, 16],
    [3, 1, 16],
    [3, 2, 64],
  ]) {
    const x = rand([4, 12, 12, ci]);
    const fShape = [k, k, ci, 32];
    const f = rand(fShape);
    const dy = rand(outShape(x.shape, fShape, s, 1, 'same', false));
    const fa = { strides: s, pad: 'same', dataFormat: 'NHWC', filterShape: fShape };
    const ia = { strides: s, pad: 'same', dataFormat: 'NHWC', inputShape: x.shape };
    const e1 = relErr(await run('wasm', 'Conv2DBackpropFilter', { x, dy }, fa), await run('cpu', 'Conv2DBackpropFilter', { x, dy }, fa));
    const e2 = relErr(await run('wasm', 'Conv2DBackpropInput', { dy, filter: f }, ia), await run('cpu', 'Conv2DBackpropInput', { dy, filter: f }, ia));
    assert.ok(e1 < TOL && e2 < TOL, `k=${k} s=${s} ci=${ci}: ${e1} ${e2}`);
  }
});

test('chunkImages splits a batch into even chunks of at most chunkBytes of dy', () => {
  // 7x7x4 floats = 784 bytes per image.
  assert.equal(chunkImages(10, 7, 7, 4, 0), 10); // 0 = whole batch
  assert.equal(chunkImages(10, 7, 7, 4, 1), 1); // smaller than one image: one image per chunk
  assert.equal(chunkImages(10, 7, 7, 4, 784 * 4), 4); // 3 chunks of ceil(10/3) = 4
  assert.equal(chunkImages(10, 7, 7, 4, 784 * 6), 5); // 2 chunks of 5, not 6 + 4
  assert.equal(chunkImages(10, 7, 7, 4, 784 * 100), 10);
  assert.throws(() => setFilterGradChunkBytes(-1), /chunk size must be a byte count >= 0/);
});

test('Conv2DBackpropFilter split over batch chunks matches cpu (batch 1, odd sizes, strides, pads, dilation)', async () => {
  await setup();
  const prev = setFilterGradChunkBytes(0);
  try {
    let n = 0;
    for (const [b, h, w] of [[1, 7, 7], [5, 9, 6], [7, 8, 8]] as [number, number, number][])
      for (const [k, s, d] of [[3, 1, 1], [3, 2, 1], [1, 2, 1], [3, 1, 2]])
        for (const pad of PADS) {
          const fShape = [k, k, 3, 4];
          const x = rand([b, h, w, 3]);
          const dy = rand(outShape(x.shape, fShape, s, d, pad, false));
          const fa = { strides: s, dilations: d, pad, dataFormat: 'NHWC', filterShape: fShape };
          // cpu ignores dilations in its backprop kernels; the naive loop is the reference there.
          const ref = d === 1 ? await run('cpu', 'Conv2DBackpropFilter', { x, dy }, fa) : naiveConvGrads(x, rand(fShape), dy, s, d, pad, false).dW;
          const perImage = dy.shape[1] * dy.shape[2] * dy.shape[3] * 4;
          // 1 image per chunk, uneven chunks (ceil(b/2) then the rest), and the whole batch.
          for (const bytes of [1, perImage * Math.ceil(b / 2), 0]) {
            setFilterGradChunkBytes(bytes);
            const e = relErr(await run('wasm', 'Conv2DBackpropFilter', { x, dy }, fa), ref);
            assert.ok(e < TOL, `x=${x.shape} k=${k} s=${s} d=${d} pad=${JSON.stringify(pad)} chunk=${bytes}: ${e}`);
            n++;
          }
        }
    assert.equal(n, 3 * 4 * 3 * 3);
  } finally {
    setFilterGradChunkBytes(prev);
  }
});

test('naive reference agrees with cpu (so it can judge dilations)', async () => {
  await setup();
  const x = rand([2, 7, 6, 3]);
  const f = rand([3, 3, 3, 4]);
  const dy = rand(outShape(x.shape, f.shape, 2, 1, 'same', false));
  const ref = naiveConvGrads(x, f, dy, 2, 1, 'same', false);
  const fa = { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: f.shape };
  const ia = { strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: x.shape };
  assert.ok(relErr(ref.dW, await run('cpu', 'Conv2DBackpropFilter', { x, dy }, fa)) < TOL);
  assert.ok(relErr(ref.dx, await run('cpu', 'Conv2DBackpropInput', { dy, filter: f }, ia)) < TOL);
  const fd = rand([3, 3, 3, 2]);
  const dyd = rand(outShape(x.shape, fd.shape, 1, 1, 'valid', true));
  const refd = naiveConvGrads(x, fd, dyd, 1, 1, 'valid', true);
  const da = { strides: 1, dilations: 1, pad: 'valid', filterShape: fd.shape, inputShape: x.shape };
  assert.ok(relErr(refd.dW, await run('cpu', 'DepthwiseConv2dNativeBackpropFilter', { x, dy: dyd }, da)) < TOL);
  assert.ok(relErr(refd.dx, await run('cpu', 'DepthwiseConv2dNativeBackpropInput', { dy: dyd, filter: fd }, da)) < TOL);
});

test('Conv2D backprops with dilations match the naive reference', async () => {
  await setup();
  for (const [s, d, pad] of [
    [1, 2, 'same'],
    [1, 2, 'valid'],
    [2, 3, 'same'],
    [2, 2, explicitPad],
  ] as [number, number, Pad][]) {
    const x = rand([2, 11, 9, 3]);
    const f = rand([3, 3, 3, 4]);
    const dy = rand(outShape(x.shape, f.shape, s, d, pad, false));
    const ref = naiveConvGrads(x, f, dy, s, d, pad, false);
    const fa = { strides: s, dilations: d, pad, dataFormat: 'NHWC', filterShape: f.shape };
    const ia = { strides: s, dilations: d, pad, dataFormat: 'NHWC', inputShape: x.shape };
    const e1 = relErr(await run('wasm', 'Conv2DBackpropFilter', { x, dy }, fa), ref.dW);
    const e2 = relErr(await run('wasm', 'Conv2DBackpropInput', { dy, filter: f }, ia), ref.dx);
    assert.ok(e1 < TOL && e2 < TOL, `s=${s} d=${d} pad=${JSON.stringify(pad)}: ${e1} ${e2}`);
  }
});

test('depthwise backprops match cpu (and the naive reference with dilations)', async () => {
  await setup();
  for (const [b, h, w] of SIZES)
    for (const k of [1, 3])
      for (const s of [1, 2])
        for (const pad of PADS)
          for (const mult of [1, 2]) {
            const ci = 4;
            const fShape = [k, k, ci, mult];
            const x = rand([b, h, w, ci]);
            const f = rand(fShape);
            const dy = rand(outShape(x.shape, fShape, s, 1, pad, true));
            const a = { strides: s, dilations: 1, pad, filterShape: fShape, inputShape: x.shape };
            const tag = `x=${x.shape} k=${k} s=${s} m=${mult} pad=${JSON.stringify(pad)}`;
            const e1 = relErr(
              await run('wasm', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, a),
              await run('cpu', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, a),
            );
            const e2 = relErr(
              await run('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy, filter: f }, a),
              await run('cpu', 'DepthwiseConv2dNativeBackpropInput', { dy, filter: f }, a),
            );
            assert.ok(e1 < TOL && e2 < TOL, `${tag}: ${e1} ${e2}`);
          }
  const x = rand([2, 9, 8, 3]);
  const f = rand([3, 3, 3, 2]);
  const dy = rand(outShape(x.shape, f.shape, 1, 2, 'same', true));
  const ref = naiveConvGrads(x, f, dy, 1, 2, 'same', true);
  const a = { strides: 1, dilations: 2, pad: 'same', filterShape: f.shape, inputShape: x.shape };
  assert.ok(relErr(await run('wasm', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, a), ref.dW) < TOL);
  assert.ok(relErr(await run('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy, filter: f }, a), ref.dx) < TOL);
});

test('Tile matches cpu for float32, int32 and bool at ranks 1-5', async () => {
  await setup();
  const cases: [number[], number[]][] = [
    [[5], [3]],
    [[1, 1, 1, 7], [4, 3, 5, 1]],
    [[2, 3], [3, 1]],
    [[2, 1, 3], [1, 4, 2]],
    [[3, 20], [2, 3]],
    [[1, 2, 1, 2, 3], [2, 1, 3, 2, 1]],
  ];
  for (const [shape, reps] of cases) {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      const src = rand(shape);
      const vals = dtype === 'float32' ? src.data : Int32Array.from(src.data, (v) => (dtype === 'bool' ? +(v > 0) : Math.round(v * 50)));
      const get = async (backend: string) => {
        await tf.setBackend(backend);
        const t = tf.tensor(vals, shape, dtype);
        const out = tf.tile(t, reps);
        const res = { shape: out.shape, data: Array.from(await out.data()) };
        tf.dispose([t, out]);
        return res;
      };
      assert.deepEqual(await get('wasm'), await get('cpu'), `${dtype} ${shape} x ${reps}`);
    }
  }
});

test('BatchMatMul with transposed operands matches cpu, frees its copies and leaves its inputs intact', async () => {
  await setup();
  const cases: [number[], number[], boolean, boolean][] = [
    [[7, 5], [5, 3], false, false],
    [[5, 7], [5, 3], true, false],
    [[7, 5], [3, 5], false, true],
    [[5, 7], [3, 5], true, true],
    [[1, 5, 7], [1, 3, 5], true, true], // one matrix each, rank 3
    [[1, 1, 6, 4], [6, 2], true, false], // broadcast outer dims of size 1
    [[2, 5, 7], [2, 5, 3], true, false], // batched: the built-in kernel's own path
    [[1, 130, 70], [1, 130, 33], true, false],
  ];
  for (const [sa, sb, ta, tb] of cases) {
    const a = rand(sa);
    const b = rand(sb);
    const ref = await run('cpu', 'BatchMatMul', { a, b }, { transposeA: ta, transposeB: tb });
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const at = tf.tensor(a.data, a.shape);
    const bt = tf.tensor(b.data, b.shape);
    const before = backend.numDataIds();
    const out = tf.engine().runKernel('BatchMatMul', { a: at, b: bt }, { transposeA: ta, transposeB: tb }) as tf.Tensor;
    assert.equal(backend.numDataIds(), before + 1, `${sa} x ${sb}: only the output is new`);
    const got = { shape: out.shape, data: (await out.data()) as Float32Array };
    assert.ok(relErr(got, ref) < 1e-5, `${sa}${ta ? 'T' : ''} x ${sb}${tb ? 'T' : ''}: ${relErr(got, ref)}`);
    assert.deepEqual(await at.data(), a.data, 'a unchanged');
    assert.deepEqual(await bt.data(), b.data, 'b unchanged');
    tf.dispose([at, bt, out]);
  }
  await tf.setBackend('wasm');
  assert.throws(
    () => tf.engine().runKernel('BatchMatMul', { a: tf.zeros([4, 3]), b: tf.zeros([4, 2]) }, { transposeA: false, transposeB: true }),
    /inner sizes differ \(3 vs 2\)/,
  );
});

test('MaxPoolGrad matches cpu: overlapping and strided windows, same/valid padding, ties, -Infinity and NaN', async () => {
  await setup();
  const cases: [number[], number, number, 'same' | 'valid'][] = [
    [[2, 8, 8, 3], 2, 2, 'valid'],
    [[2, 7, 9, 5], 2, 2, 'same'],
    [[1, 9, 7, 4], 3, 2, 'same'],
    [[3, 6, 6, 2], 3, 1, 'same'],
    [[1, 5, 5, 1], 3, 1, 'valid'],
  ];
  for (const [shape, size, stride, pad] of cases) {
    for (const variant of ['random', 'ties', 'special']) {
      const x = rand(shape);
      // Ties: few distinct values, so windows often hold the maximum twice.
      if (variant === 'ties') for (let i = 0; i < x.data.length; i++) x.data[i] = Math.round(x.data[i] * 1.5);
      if (variant === 'special') {
        for (let i = 0; i < x.data.length; i += 3) x.data[i] = -Infinity;
        for (let i = 1; i < x.data.length; i += 7) x.data[i] = NaN;
        // Image 0, channel 0: the top rows all -Infinity, so whole windows have no maximum.
        for (let r = 0; r < 3; r++) for (let c = 0; c < shape[2]; c++) x.data[(r * shape[2] + c) * shape[3]] = -Infinity;
      }
      const attrs = { filterSize: size, strides: stride, pad };
      await tf.setBackend('cpu');
      const xt = tf.tensor(x.data, x.shape) as tf.Tensor4D;
      const y = tf.maxPool(xt, size, stride, pad);
      const output = { shape: y.shape, data: (await y.data()) as Float32Array };
      tf.dispose([xt, y]);
      const dy = rand(output.shape);
      const inputs = { dy, input: x, output };
      const ref = await run('cpu', 'MaxPoolGrad', inputs, attrs);
      const got = await run('wasm', 'MaxPoolGrad', inputs, attrs);
      assert.deepEqual(got.shape, ref.shape);
      assert.ok(relErr(got, ref) < 1e-6, `${shape} ${size}/${stride} ${pad} ${variant}: ${relErr(got, ref)}`);
    }
  }
  await tf.setBackend('wasm');
  assert.throws(
    () => tf.engine().runKernel('MaxPoolGrad', { dy: tf.zeros([1, 3, 3, 2]), input: tf.zeros([1, 8, 8, 2]), output: tf.zeros([1, 3, 3, 2]) }, { filterSize: 2, strides: 2, pad: 'valid' }),
    /dy is \[1,3,3,2\], expected \[1,4,4,2\]/,
  );
});

/** tf.grads of f at host arrays, computed on one backend; the gradients come back as host arrays. */
async function gradsOn(backend: string, args: Arr[], f: (...ts: tf.Tensor[]) => tf.Tensor): Promise<Arr[]> {
  await tf.setBackend(backend);
  const ts = args.map((a) => tf.tensor(a.data, a.shape));
  const gs = tf.grads(f)(ts);
  const out = await Promise.all(gs.map(async (g) => ({ shape: g.shape, data: (await g.data()) as Float32Array })));
  tf.dispose([...ts, ...gs]);
  return out;
}

test('tf.grad of a two-layer MLP (dense gradients are transposed products): wasm equals cpu', async () => {
  await setup();
  const x = rand([33, 20]);
  const params = [rand([20, 16]), rand([16]), rand([16, 5]), rand([5])];
  const f = (xv: tf.Tensor, w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor) =>
    tf.mean(tf.square(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(xv, w1), b1)), w2), b2)));
  const grads = (backend: string) => gradsOn(backend, [x, ...params], f as (...ts: tf.Tensor[]) => tf.Tensor);
  const ref = await grads('cpu');
  const got = await grads('wasm');
  got.forEach((g, i) => assert.ok(relErr(g, ref[i]) < 1e-5, `grad ${i}: ${relErr(g, ref[i])}`));
});

test('tf.grad of a small conv net: wasm equals cpu', async () => {
  await setup();
  const x = rand([3, 9, 9, 2]);
  const params = {
    w1: rand([3, 3, 2, 6]),
    w2: rand([3, 3, 6, 8]),
    wd: rand([3, 3, 8, 1]),
    w3: rand([1, 1, 8, 4]),
    gamma: rand([8]),
    beta: rand([8]),
  };
  const f = (xv: tf.Tensor, w1: tf.Tensor, w2: tf.Tensor, wd: tf.Tensor, w3: tf.Tensor, g: tf.Tensor, be: tf.Tensor) => {
    let h = tf.relu(tf.conv2d(xv as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same'));
    h = tf.conv2d(h, w2 as tf.Tensor4D, 2, 'valid');
    // BatchNorm-style normalisation so Tile (in FusedBatchNorm's gradient) is exercised.
    const { mean, variance } = tf.moments(h, [0, 1, 2]);
    h = tf.relu(tf.batchNorm(h, mean, variance, be as tf.Tensor1D, g as tf.Tensor1D, 1e-3));
    h = tf.depthwiseConv2d(h, wd as tf.Tensor4D, 1, 'same');
    h = tf.conv2d(h, w3 as tf.Tensor4D, 1, 'same');
    return tf.mean(tf.square(h));
  };
  const grads = (backend: string) => gradsOn(backend, [x, ...Object.values(params)], f as (...ts: tf.Tensor[]) => tf.Tensor);
  const ref = await grads('cpu');
  const got = await grads('wasm');
  assert.equal(got.length, 7);
  got.forEach((g, i) => assert.ok(relErr(g, ref[i]) < 1e-4, `grad ${i}: ${relErr(g, ref[i])}`));
  // Again with Conv2DBackpropFilter split into one image per batch chunk.
  const prev = setFilterGradChunkBytes(1);
  try {
    const chunked = await grads('wasm');
    chunked.forEach((g, i) => assert.ok(relErr(g, ref[i]) < 1e-4, `chunked grad ${i}: ${relErr(g, ref[i])}`));
  } finally {
    setFilterGradChunkBytes(prev);
  }
});
