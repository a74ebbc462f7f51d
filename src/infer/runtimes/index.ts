import { IcmixError } from '../../util/errors.js';
import { createCpuRuntime } from './cpu.js';
import { createCudaRuntime } from './cuda.js';
import { createTfjsRuntime } from './tfjs.js';
import { createWebRuntime } from './web.js';
import { createWebgpuRuntime } from './webgpu.js';
import { RUNTIME_NAMES, type InferenceRuntime, type RuntimeName, type RuntimeOptions } from './types.js';

export * from './types.js';
export { CUDA_INSTALL_HINT, cudaUnavailableReason } from './cuda.js';
export { webgpuUnavailableReason } from './webgpu.js';

type Factory = (modelPath: string, opts: RuntimeOptions) => Promise<InferenceRuntime>;

/** The runtime registry: adding one = a module + one line here. */
const RUNTIMES: Record<RuntimeName, { description: string; create: Factory }> = {
  cpu: { description: 'onnxruntime-node, CPU execution provider', create: createCpuRuntime },
  cuda: { description: 'onnxruntime-node, CUDA execution provider (needs its CUDA 12 binaries)', create: createCudaRuntime },
  web: { description: 'onnxruntime-web in Node: wasm, SIMD, worker threads (what a browser runs)', create: createWebRuntime },
  webgpu: { description: 'onnxruntime-node, WebGPU execution provider (any GPU through Vulkan, Metal or D3D12)', create: createWebgpuRuntime },
  tfjs: { description: 'the run folder\'s trained tfjs model (reference)', create: createTfjsRuntime },
};

export function listRuntimes(): { name: RuntimeName; description: string }[] {
  return RUNTIME_NAMES.map((name) => ({ name, description: RUNTIMES[name].description }));
}

export function isRuntimeName(name: string): name is RuntimeName {
  return (RUNTIME_NAMES as readonly string[]).includes(name);
}

/** Load `modelPath` on the named runtime. */
export function createRuntime(name: RuntimeName, modelPath: string, opts: RuntimeOptions = {}): Promise<InferenceRuntime> {
  if (!isRuntimeName(name)) {
    return Promise.reject(new IcmixError(`unknown runtime '${name}'; choose one of: ${RUNTIME_NAMES.join(', ')}`));
  }
  return RUNTIMES[name].create(modelPath, opts);
}

/** Parse a comma-separated runtime list ('cpu,web,tfjs'), rejecting unknown and repeated names. */
export function parseRuntimeList(list: string | readonly string[]): RuntimeName[] {
  const names = (typeof list === 'string' ? list.split(',') : list.flatMap((s) => s.split(','))).map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new IcmixError(`name at least one runtime: ${RUNTIME_NAMES.join(', ')}`);
  const out: RuntimeName[] = [];
  for (const n of names) {
    if (!isRuntimeName(n)) throw new IcmixError(`unknown runtime '${n}'; choose from: ${RUNTIME_NAMES.join(', ')}`);
    if (out.includes(n)) throw new IcmixError(`runtime '${n}' is named twice`);
    out.push(n);
  }
  return out;
}
