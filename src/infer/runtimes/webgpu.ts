import { IcmixError } from '../../util/errors.js';
import { createCpuRuntime } from './cpu.js';
import { openOrtSession, wrapOrtSession, type OrtTensorCtor } from './ort-session.js';
import { DEFAULT_RUNTIME, type InferenceRuntime, type RuntimeOptions } from './types.js';

interface GpuLike {
  requestAdapter(): Promise<unknown | null>;
}

/** Why WebGPU cannot run here, or undefined when an adapter exists. */
export async function webgpuUnavailableReason(): Promise<string | undefined> {
  const gpu = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
  if (!gpu) return `this JavaScript environment has no WebGPU (navigator.gpu is undefined; Node ${process.version} ships none)`;
  try {
    if (!(await gpu.requestAdapter())) return 'navigator.gpu.requestAdapter() found no GPU adapter';
  } catch (e) {
    return `navigator.gpu.requestAdapter() failed: ${(e as Error).message}`;
  }
  return undefined;
}

/**
 * onnxruntime-web on its WebGPU execution provider, only where a WebGPU adapter exists (a
 * browser, or a Node with a WebGPU binding installed on navigator.gpu). Otherwise a clear error,
 * or with `fallback: 'cpu'` a CPU runtime whose note records why.
 */
export async function createWebgpuRuntime(modelPath: string, opts: RuntimeOptions = {}): Promise<InferenceRuntime> {
  const reason = await webgpuUnavailableReason();
  if (reason) {
    if (opts.fallback === DEFAULT_RUNTIME) {
      const cpu = await createCpuRuntime(modelPath, opts);
      return { ...cpu, requested: 'webgpu', note: `webgpu unavailable, ran on cpu instead: ${reason}` };
    }
    throw new IcmixError(`runtime 'webgpu' is unavailable: ${reason}. Use --runtime web (the same engine on wasm), evaluate in a browser, or pass --fallback cpu.`);
  }
  const ort = await import('onnxruntime-web/webgpu');
  const session = await openOrtSession(ort, modelPath, 'onnxruntime-web (webgpu)', { executionProviders: ['webgpu'] }, opts.bytes);
  return wrapOrtSession(session, ort.Tensor as unknown as OrtTensorCtor, { name: 'webgpu', requested: 'webgpu', note: 'onnxruntime-web WebGPU EP' });
}
