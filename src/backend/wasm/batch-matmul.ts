/**
 * BatchMatMul for the wasm backend when an operand is transposed.
 *
 * tfjs-backend-wasm 4.22 hands only the plain product (one matrix, no transposes) to xnnpack; a
 * transposed operand falls to a scalar C++ loop. Measured on [128, 784] x [784, 256]: 1.8 ms plain,
 * 16-18 ms with either transpose, 2.8 ms as an explicit Transpose then the plain product. A dense
 * layer's gradients are exactly the transposed products (dW = x^T dy, dx = dy W^T), so an MLP
 * step spent about 80% of its kernel time in that loop. Here the transposed operand is copied
 * transposed first and the built-in kernel runs the plain product. Batched products (more than
 * one matrix on either side) are left to the built-in kernel unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BatchMatMul, broadcast_util, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
// Registers the built-in kernels, so the one wrapped below is there when this module runs.
import '@tensorflow/tfjs-backend-wasm';
import { callKernel, free, need, reshaped } from './kernel-util.js';

interface Attrs {
  transposeA: boolean;
  transposeB: boolean;
}

const builtIn = tf.getKernel(BatchMatMul, 'wasm');

/** The last two dims of t as one matrix, transposed into a fresh tensor when `transpose`. */
function plainMatrix(backend: BackendWasm, t: TensorInfo, transpose: boolean): TensorInfo {
  const r = t.shape.length;
  const m = reshaped(t, [t.shape[r - 2], t.shape[r - 1]]);
  return transpose ? callKernel('Transpose', backend, { x: m }, { perm: [1, 0] }) : m;
}

function batchMatMul({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: Attrs }): TensorInfo {
  if (!builtIn) throw new Error('tfjs-backend-wasm registered no BatchMatMul kernel');
  const a = need(inputs, 'a');
  const b = need(inputs, 'b');
  const { transposeA, transposeB } = attrs;
  const single = util.sizeFromShape(a.shape.slice(0, -2)) === 1 && util.sizeFromShape(b.shape.slice(0, -2)) === 1;
  if ((!transposeA && !transposeB) || !single || a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) {
    return builtIn.kernelFunc({ inputs, backend, attrs: attrs as unknown as NamedAttrMap }) as TensorInfo;
  }
  const [ra, rb] = [a.shape.length, b.shape.length];
  const innerA = a.shape[transposeA ? ra - 2 : ra - 1];
  const innerB = b.shape[transposeB ? rb - 1 : rb - 2];
  if (innerA !== innerB) {
    throw new Error(
      `matMul: inner sizes differ (${innerA} vs ${innerB}): a [${a.shape}]${transposeA ? ' transposed' : ''}, ` +
        `b [${b.shape}]${transposeB ? ' transposed' : ''}`,
    );
  }
  const a2 = plainMatrix(backend, a, transposeA);
  const b2 = plainMatrix(backend, b, transposeB);
  const out = builtIn.kernelFunc({
    inputs: { a: a2, b: b2 },
    backend,
    attrs: { transposeA: false, transposeB: false },
  }) as TensorInfo;
  // reshaped() views share the caller's data; only the transposed copies are ours to free.
  if (transposeA) free(backend, a2);
  if (transposeB) free(backend, b2);
  const outer = broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  out.shape = [...outer, a2.shape[0], b2.shape[1]];
  return out;
}

export const batchMatMulConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: 'wasm',
  // The built-in kernel binds its C++ entry point in setup; tfjs runs setup only for the kernel
  // that holds the slot when the backend initialises, which may be this one.
  setupFunc: (backend) => builtIn?.setupFunc?.(backend),
  kernelFunc: batchMatMul as unknown as KernelFunc,
};
