import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { IcmixError } from '../../util/errors.js';
import { dawnInstalled, gpuFor, installWebgpuGlobals, listAdapters, pickAdapter, VULKAN_HINT, WEBGPU_PACKAGE, type AdapterInfo, type AdapterLike } from '../webgpu/adapters.js';
import { installWebgpuKernels } from '../webgpu/kernels.js';
import type { EngineOptions, TrainingEngine } from './types.js';

const require = createRequire(import.meta.url);
const TFJS_WEBGPU = '@tensorflow/tfjs-backend-webgpu';
const INSTALL = `reinstall the dependencies with \`npm ci\` (${TFJS_WEBGPU} and ${WEBGPU_PACKAGE}); for a device, ${VULKAN_HINT}`;

interface DeviceLike {
  lost: Promise<{ reason?: string; message?: string }>;
  onuncapturederror: ((ev: { error?: { message?: string } }) => void) | null;
  destroy(): void;
}

/** The device of the backend now registered, which adapter it is on, and why it was lost if it was. */
let current: { adapter: AdapterInfo; device: DeviceLike; lost?: string } | undefined;

function installed(pkg: string): boolean {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Register tfjs's WebGPU backend on Dawn's adapter `adapter`. tfjs-backend-webgpu registers itself
 * only where navigator.gpu exists when it is imported (a browser); Node 20 has none, so icmix
 * registers it here with the device it asks for, and watches that device for loss.
 */
async function registerOn(adapter: AdapterInfo): Promise<void> {
  const { WebGPUBackend } = (await import('@tensorflow/tfjs-backend-webgpu')) as unknown as { WebGPUBackend: new (device: unknown, info?: unknown) => tf.KernelBackend };
  const gpu = await gpuFor(adapter);
  await installWebgpuGlobals();
  // tfjs-backend-webgpu reads navigator.gpu in places (its flags, texture uploads).
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  g.navigator!.gpu = gpu;
  if (tf.findBackend('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', async () => {
    const a = (await gpu.requestAdapter({ powerPreference: 'high-performance' })) as AdapterLike | null;
    if (!a) throw new IcmixError(`WebGPU adapter '${adapter.name}' did not answer; ${VULKAN_HINT}`);
    const limits = a.limits;
    // The same limits tfjs asks for itself: the adapter's largest, so big convs fit in one dispatch.
    const device = (await a.requestDevice({
      requiredFeatures: a.features.has('timestamp-query') ? ['timestamp-query'] : [],
      requiredLimits: {
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
        maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
      },
    })) as DeviceLike;
    const here = { adapter, device } as NonNullable<typeof current>;
    current = here;
    void device.lost.then((info) => {
      here.lost ??= `${info.reason ?? 'unknown'}${info.message ? `: ${info.message}` : ''}`;
    });
    // A shader the device refuses (an op past its limits) drops the whole command buffer, and
    // its results read as garbage, not as an error: treat the first such error as fatal.
    device.onuncapturederror = (ev) => {
      here.lost ??= `the device refused a GPU command: ${(ev.error?.message ?? 'unknown error').split('\n')[0]}`;
    };
    return new WebGPUBackend(device, a.info);
  }, 1);
}

/** The device the webgpu engine trains on (tests use it to simulate a lost device). */
export function webgpuDevice(): DeviceLike | undefined {
  return current?.device;
}

/**
 * tfjs-backend-webgpu on Dawn (the npm `webgpu` package): Vulkan, Metal or D3D12, whichever GPU
 * `--gpu-adapter` names. Never chosen by 'auto': where the only adapter is a software one it is
 * far slower than wasm, and a real GPU is worth naming.
 */
export const webgpuEngine: TrainingEngine<'webgpu'> = {
  name: 'webgpu',
  description: 'tfjs-backend-webgpu on Dawn (Vulkan, Metal, D3D12): any GPU, --gpu-adapter picks one',
  priority: 0,
  packages: [TFJS_WEBGPU, WEBGPU_PACKAGE],
  installHint: INSTALL,
  available() {
    const missing = [TFJS_WEBGPU, WEBGPU_PACKAGE].filter((p) => (p === WEBGPU_PACKAGE ? !dawnInstalled() : !installed(p)));
    return missing.length ? { ok: false, reason: `${missing.join(' and ')} not installed` } : { ok: true, package: TFJS_WEBGPU };
  },
  async deviceReason() {
    if (!this.available().ok) return undefined;
    const adapters = await listAdapters();
    return adapters.length ? undefined : `no WebGPU adapter: Dawn finds no Vulkan, Metal or D3D12 device; ${VULKAN_HINT}`;
  },
  async init(opts: EngineOptions = {}) {
    const found = this.available();
    if (!found.ok) throw new IcmixError(`engine 'webgpu': ${found.reason}; ${INSTALL}`);
    const choice = opts.gpuAdapter ?? process.env.ICMIX_GPU_ADAPTER;
    const adapter = pickAdapter(await listAdapters(), choice);
    // A new device where none is registered, another adapter was asked for, or the last one was lost.
    if (!current || current.lost !== undefined || current.adapter.name !== adapter.name || !tf.findBackend('webgpu')) {
      if (tf.getBackend() === 'webgpu') await tf.setBackend('cpu');
      await registerOn(adapter);
    }
    installWebgpuKernels();
    try {
      if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend returned false');
    } catch (e) {
      throw new IcmixError(`engine 'webgpu': the device on adapter '${adapter.name}' did not start (${(e as Error).message}); check \`icmix doctor\`, or pick another with --gpu-adapter`);
    }
    await tf.ready();
    return {
      name: 'webgpu',
      package: TFJS_WEBGPU,
      threads: 1,
      details: { adapter: adapter.name, adapterVendor: adapter.vendor, adapterBackend: adapter.backend, adapterKind: adapter.software ? 'software' : 'hardware' },
    };
  },
  release() {},
  defaultWorkers: () => 1,
  // One device, driven from this thread; replicas in workers would each open the GPU.
  workerThreads: false,
  lostDevice() {
    return current?.lost;
  },
};
