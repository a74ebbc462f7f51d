/**
 * icmix's kernels for tfjs-backend-webgpu, where its own fail for a training op we use.
 *
 * AddN: tfjs-webgpu binds every input as a storage buffer of one shader, and a device's
 * maxStorageBuffersPerShaderStage is small (8 by default). AddN over more tensors (the finite-
 * weights check sums one per weight, 15 for the cnn) then fails validation, and the command
 * buffer is dropped: the sum reads as garbage rather than as an error. This kernel sums in
 * chunks that fit the device, through tfjs's own AddN.
 */
import * as tf from '@tensorflow/tfjs-core';

type KernelFunc = tf.KernelConfig['kernelFunc'];
interface WebgpuBackendLike extends tf.KernelBackend {
  device: { limits: { maxStorageBuffersPerShaderStage: number } };
}

let tfjsAddN: KernelFunc | undefined;

/** The largest number of inputs one AddN shader may take on `backend` (its output takes a binding too). */
export function addNChunk(backend: WebgpuBackendLike): number {
  return Math.max(2, backend.device.limits.maxStorageBuffersPerShaderStage - 1);
}

const chunkedAddN: KernelFunc = ({ inputs, backend, attrs }) => {
  const original = tfjsAddN!;
  let terms = inputs as unknown as tf.TensorInfo[];
  const limit = addNChunk(backend as WebgpuBackendLike);
  const made: tf.TensorInfo[] = [];
  while (terms.length > limit) {
    const next: tf.TensorInfo[] = [];
    for (let i = 0; i < terms.length; i += limit) {
      const part = terms.slice(i, i + limit);
      if (part.length === 1) {
        next.push(part[0]);
        continue;
      }
      const sum = original({ inputs: part as unknown as tf.NamedTensorInfoMap, backend, attrs }) as tf.TensorInfo;
      made.push(sum);
      next.push(sum);
    }
    terms = next;
  }
  const out = original({ inputs: terms as unknown as tf.NamedTensorInfoMap, backend, attrs }) as tf.TensorInfo;
  // Partial sums are this kernel's own; tfjs tracks only the returned tensor.
  for (const t of made) (backend as WebgpuBackendLike).disposeData(t.dataId);
  return out;
};

/** Put icmix's webgpu kernels in place of tfjs's (after tfjs-backend-webgpu has registered its own). */
export function installWebgpuKernels(): void {
  if (tfjsAddN) return;
  const k = tf.getKernel(tf.AddN, 'webgpu');
  if (!k) return;
  tfjsAddN = k.kernelFunc;
  tf.unregisterKernel(tf.AddN, 'webgpu');
  tf.registerKernel({ kernelName: tf.AddN, backendName: 'webgpu', kernelFunc: chunkedAddN });
}
