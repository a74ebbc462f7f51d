import * as tf from '@tensorflow/tfjs-core';
import { autoEngine, ENGINE_NAMES, ENGINES, getEngine, type EngineInfo, type EngineName, type EngineOptions, type TrainingEngine } from './engines/index.js';

/** The names --backend takes: 'auto' (the available engine of highest priority) or an engine's. */
export const BACKEND_NAMES = ['auto', ...ENGINE_NAMES] as readonly BackendName[];
export type BackendName = 'auto' | EngineName;
export type BackendInfo = EngineInfo;

// tfjs prints an advert for tfjs-node on first use of the cpu backend; icmix says so itself.
tf.env().set('PROD', true);

let active: TrainingEngine | undefined;

/** The engine `name` stands for ('auto' resolved), without initialising it. */
export function resolveEngine(name: BackendName): TrainingEngine {
  return name === 'auto' ? autoEngine() : getEngine(name);
}

/**
 * Make `name`'s engine the active tfjs backend, with its kernels and patches; the previous
 * engine's patches are removed first. A named engine that is missing or broken throws an error
 * with the fix; 'auto' falls back to the next engine only when the preferred one is not installed.
 */
export async function useBackend(name: BackendName, opts: EngineOptions = {}): Promise<BackendInfo> {
  const engine = resolveEngine(name);
  if (active && active !== engine) active.release();
  active = undefined;
  const info = await engine.init(opts);
  active = engine;
  return info;
}

/** The engine currently initialised, if any. */
export function activeEngine(): TrainingEngine | undefined {
  return active;
}

export { ENGINES };
