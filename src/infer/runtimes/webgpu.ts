import { listAdapters, pickAdapter, softwareOnlyNote, VULKAN_HINT } from '../../backend/webgpu/adapters.js';
import { IcmixError } from '../../util/errors.js';
import { createCpuRuntime, createOrtNode } from './cpu.js';
import { DEFAULT_RUNTIME, type InferenceRuntime, type RuntimeOptions } from './types.js';

/**
 * Why WebGPU cannot run here, or undefined when an adapter exists. onnxruntime-node carries its
 * own Dawn; the adapters it can see are the ones Dawn's Node binding (the `webgpu` package) lists.
 */
export async function webgpuUnavailableReason(): Promise<string | undefined> {
  try {
    if ((await listAdapters()).length === 0) return `no WebGPU adapter: Dawn finds no Vulkan, Metal or D3D12 device (${VULKAN_HINT})`;
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

/**
 * onnxruntime-node on its WebGPU execution provider (Dawn inside onnxruntime: Vulkan, Metal or
 * D3D12). Without an adapter, a clear error, or with `fallback: 'cpu'` a CPU runtime whose note
 * records why. The note names the adapter and says when it is a software one.
 */
export async function createWebgpuRuntime(modelPath: string, opts: RuntimeOptions = {}): Promise<InferenceRuntime> {
  let reason = await webgpuUnavailableReason();
  if (!reason) {
    const adapters = await listAdapters();
    // ORT takes Dawn's default adapter; which one that is, is what the note reports.
    const adapter = pickAdapter(adapters);
    const soft = softwareOnlyNote(adapters) ? ' (software: right answers, far too slow for real use)' : '';
    try {
      return await createOrtNode(modelPath, ['webgpu'], opts, { name: 'webgpu', requested: 'webgpu', note: `onnxruntime-node WebGPU EP on ${adapter.name}${soft}` });
    } catch (e) {
      reason = `onnxruntime-node could not start a WebGPU session: ${(e as Error).message}`;
    }
  }
  if (opts.fallback === DEFAULT_RUNTIME) {
    const cpu = await createCpuRuntime(modelPath, opts);
    return { ...cpu, requested: 'webgpu', note: `webgpu unavailable, ran on cpu instead: ${reason}` };
  }
  throw new IcmixError(`runtime 'webgpu' is unavailable: ${reason}. Use --runtime cpu, or pass --fallback cpu to continue on the CPU.`);
}
