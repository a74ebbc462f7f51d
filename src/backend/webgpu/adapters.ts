/**
 * WebGPU adapters through Dawn's Node binding (the npm `webgpu` package): which exist, whether
 * each is real hardware or a software rasteriser, and a GPU object bound to the one a run asked
 * for. Shared by the webgpu training engine, the webgpu inference runtime and doctor.
 */
import { createRequire } from 'node:module';
import { IcmixError } from '../../util/errors.js';

const require = createRequire(import.meta.url);

/** What the WebGPU API of a GPU object needs here (the `webgpu` package's types are DOM types). */
export interface GpuLike {
  requestAdapter(options?: object): Promise<AdapterLike | null>;
}
export interface AdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
  readonly features: ReadonlySet<string>;
  readonly limits: Record<string, number>;
  requestDevice(descriptor?: object): Promise<unknown>;
}

export interface AdapterInfo {
  /** 0-based, in Dawn's order: what `--gpu-adapter 0` picks. */
  index: number;
  /** Dawn's adapter name, e.g. 'NVIDIA GeForce RTX 4090' or 'llvmpipe (LLVM 15.0.6, 256 bits)'. */
  name: string;
  /** Dawn's backend for it: 'vulkan', 'metal', 'd3d12', ... */
  backend: string;
  vendor: string;
  description: string;
  /** A CPU rasteriser (lavapipe/llvmpipe, SwiftShader, WARP): right answers, far too slow to train. */
  software: boolean;
}

export const WEBGPU_PACKAGE = 'webgpu';

/** Rasterisers that run on the CPU, by the names their drivers report. */
const SOFTWARE_NAMES = /llvmpipe|lavapipe|softpipe|swiftshader|microsoft basic render|\bwarp\b/i;

export const VULKAN_HINT = 'on Debian, `bash scripts/setup.sh` installs Mesa\'s Vulkan drivers (lavapipe where there is no GPU); on a GPU host, install its vendor\'s Vulkan driver';

type Dawn = { create(flags: string[]): GpuLike; globals: Record<string, unknown> };
let dawn: Dawn | undefined;

/** Whether the `webgpu` package is installed (loads nothing). */
export function dawnInstalled(): boolean {
  try {
    require.resolve(`${WEBGPU_PACKAGE}/package.json`);
    return true;
  } catch {
    return false;
  }
}

async function loadDawn(): Promise<Dawn> {
  if (dawn) return dawn;
  if (!dawnInstalled()) throw new IcmixError(`WebGPU needs the npm package '${WEBGPU_PACKAGE}' (Dawn's Node binding), which is not installed; run \`npm ci\``);
  try {
    dawn = (await import(WEBGPU_PACKAGE)) as unknown as Dawn;
  } catch (e) {
    throw new IcmixError(`the '${WEBGPU_PACKAGE}' package did not load (${(e as Error).message.split('\n')[0]}); reinstall it with \`npm ci\``);
  }
  return dawn;
}

/** Dawn lists every adapter when asked for one that does not exist; this parses that list. */
export function parseAdapterList(message: string): { backend: string; name: string }[] {
  const out: { backend: string; name: string }[] = [];
  for (const m of message.matchAll(/\* backend: '([^']*)', name: '(.*)'\s*$/gm)) out.push({ backend: m[1], name: m[2] });
  return out;
}

export function isSoftwareAdapter(name: string, fallback?: boolean): boolean {
  return fallback === true || SOFTWARE_NAMES.test(name);
}

// No real adapter has this name: Dawn then answers with the list of those it found.
const NO_SUCH_ADAPTER = 'adapter=icmix: list the adapters';

/** Every WebGPU adapter Dawn finds here, with its vendor and whether it is software; [] when none. */
export async function listAdapters(): Promise<AdapterInfo[]> {
  const { create } = await loadDawn();
  let listed: { backend: string; name: string }[] = [];
  try {
    await create([NO_SUCH_ADAPTER]).requestAdapter();
  } catch (e) {
    listed = parseAdapterList((e as Error).message);
  }
  const out: AdapterInfo[] = [];
  for (const [index, a] of listed.entries()) {
    const adapter = await create([`adapter=${a.name}`]).requestAdapter().catch(() => null);
    const info = adapter?.info ?? {};
    const fallback = info.isFallbackAdapter ?? adapter?.isFallbackAdapter;
    out.push({ index, name: a.name, backend: a.backend, vendor: info.vendor || 'unknown', description: info.description || a.name, software: isSoftwareAdapter(`${a.name} ${info.description ?? ''}`, fallback) });
  }
  return out;
}

/** The adapter `choice` names: an index ('0') or a case-insensitive part of a name; default the first hardware one, else the first. */
export function pickAdapter(adapters: readonly AdapterInfo[], choice?: string): AdapterInfo {
  const list = adapters.map((a) => `${a.index}: ${a.name}${a.software ? ' (software)' : ''}`).join('; ');
  if (adapters.length === 0) throw new IcmixError(`no WebGPU adapter found: Dawn sees no Vulkan, Metal or D3D12 device; ${VULKAN_HINT}, then check with \`icmix doctor\``);
  if (choice === undefined || choice === '') return adapters.find((a) => !a.software) ?? adapters[0];
  if (/^\d+$/.test(choice)) {
    const a = adapters[Number(choice)];
    if (!a) throw new IcmixError(`--gpu-adapter ${choice}: there are ${adapters.length} WebGPU adapter(s) here (${list}); pass an index below ${adapters.length} or a part of a name`);
    return a;
  }
  const matches = adapters.filter((a) => a.name.toLowerCase().includes(choice.toLowerCase()));
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) throw new IcmixError(`--gpu-adapter '${choice}' names no WebGPU adapter here (${list}); pass one of these names or its index`);
  throw new IcmixError(`--gpu-adapter '${choice}' matches ${matches.length} adapters (${matches.map((a) => a.name).join('; ')}); pass an index instead (${list})`);
}

/** A WebGPU GPU object (navigator.gpu) bound to `adapter`. */
export async function gpuFor(adapter: AdapterInfo): Promise<GpuLike> {
  const { create } = await loadDawn();
  return create([`adapter=${adapter.name}`]);
}

/**
 * Put WebGPU's constant objects (GPUBufferUsage, GPUMapMode, ...) on globalThis, as a browser
 * has them: tfjs-backend-webgpu reads them as globals. Names already defined are left alone.
 */
export async function installWebgpuGlobals(): Promise<void> {
  const { globals } = await loadDawn();
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(globals)) if (!(k in g)) g[k] = v;
}

/** The sentence doctor prints when every adapter here is a software one. */
export function softwareOnlyNote(adapters: readonly AdapterInfo[]): string | undefined {
  if (adapters.length === 0 || adapters.some((a) => !a.software)) return undefined;
  return `the only WebGPU adapter${adapters.length > 1 ? 's are software ones' : ' is a software one'} (${adapters.map((a) => a.name).join('; ')}): fine for tests, far too slow to train`;
}
