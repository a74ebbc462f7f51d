import { IcmixError } from '../../util/errors.js';
import { DEFAULT_RUNTIME, RUNTIME_NAMES, type InferenceRuntime, type RuntimeName, type RuntimeOptions } from './types.js';

export * from './types.js';
export { CUDA_INSTALL_HINT, cudaUnavailableReason } from './cuda.js';
export { webgpuUnavailableReason } from './webgpu.js';

type Factory = (modelPath: string, opts: RuntimeOptions) => Promise<InferenceRuntime>;

export interface RuntimeEntry {
  description: string;
  /**
   * Preference among runtimes: the lowest is the default of every command and the runtime a
   * `fallback` continues on (the one that runs everywhere icmix installs).
   */
  priority: number;
  /** icmix serve offers it (GPU in the browser is the web page's job; tfjs needs a run folder). */
  servable: boolean;
  /** Runs an .onnx file by itself (tfjs runs the run folder's trained model instead). */
  onnx: boolean;
  /**
   * The runtime's module, imported on first use: the tfjs runtime loads tfjs and its wasm backend
   * (about 0.3 s), which serving an ONNX model never needs.
   */
  load(): Promise<Factory>;
}

/** The runtime registry: adding one = a module + one line here. */
export const RUNTIMES: Readonly<Record<RuntimeName, RuntimeEntry>> = {
  cpu: { description: 'onnxruntime-node, CPU execution provider', priority: 0, servable: true, onnx: true, load: async () => (await import('./cpu.js')).createCpuRuntime },
  cuda: { description: 'onnxruntime-node, CUDA execution provider (needs its CUDA 12 binaries)', priority: 1, servable: true, onnx: true, load: async () => (await import('./cuda.js')).createCudaRuntime },
  web: { description: 'onnxruntime-web in Node: wasm, SIMD, worker threads (what a browser runs)', priority: 2, servable: true, onnx: true, load: async () => (await import('./web.js')).createWebRuntime },
  webgpu: { description: 'onnxruntime-node, WebGPU execution provider (any GPU through Vulkan, Metal or D3D12)', priority: 3, servable: true, onnx: true, load: async () => (await import('./webgpu.js')).createWebgpuRuntime },
  tfjs: { description: 'the run folder\'s trained tfjs model (reference)', priority: 4, servable: false, onnx: false, load: async () => (await import('./tfjs.js')).createTfjsRuntime },
};

/** The runtimes icmix serve offers, by priority. */
export const SERVABLE_RUNTIMES: readonly RuntimeName[] = byPriority().filter((n) => RUNTIMES[n].servable);

/** The runtimes that run an .onnx file by themselves (icmix predict's choices), by priority. */
export const ONNX_RUNTIMES: readonly RuntimeName[] = byPriority().filter((n) => RUNTIMES[n].onnx);

function byPriority(): RuntimeName[] {
  return [...RUNTIME_NAMES].sort((a, b) => RUNTIMES[a].priority - RUNTIMES[b].priority);
}

// The default is declared as a literal (types.ts) so option types can name it; it must be the registry's first.
if (byPriority()[0] !== DEFAULT_RUNTIME) throw new Error(`runtimes: DEFAULT_RUNTIME '${DEFAULT_RUNTIME}' is not the lowest priority`);

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
  return RUNTIMES[name].load().then((create) => create(modelPath, opts));
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
