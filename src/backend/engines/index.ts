/**
 * The training-engine registry: adding an engine is a module beside this file and one line in
 * ENGINES. 'auto' takes the available engine of highest priority.
 */
import { IcmixError } from '../../util/errors.js';
import { cpuEngine } from './cpu.js';
import { tensorflowEngine } from './tensorflow.js';
import type { TrainingEngine } from './types.js';
import { wasmEngine } from './wasm.js';
import { webgpuEngine } from './webgpu.js';

export * from './types.js';

export const ENGINES = [tensorflowEngine, wasmEngine, webgpuEngine, cpuEngine] as const;

export type EngineName = (typeof ENGINES)[number]['name'];
export const ENGINE_NAMES = ENGINES.map((e) => e.name) as readonly EngineName[];

export function getEngine(name: string): TrainingEngine {
  const e = ENGINES.find((x) => x.name === name);
  if (!e) throw new IcmixError(`unknown engine '${name}': choose auto, ${ENGINE_NAMES.join(', ')}`);
  return e;
}

/** The engine 'auto' means here: the available one of highest priority. */
export function autoEngine(): TrainingEngine {
  const best = [...ENGINES].filter((e) => e.priority > 0 && e.available().ok).sort((a, b) => b.priority - a.priority)[0];
  return best ?? wasmEngine;
}
