import type { IcmixError } from '../../util/errors.js';
import type { StepSize } from '../step-memory.js';

/** What an initialised engine reports (the run manifest's `backend` and `versions` take it). */
export interface EngineInfo {
  /** The tfjs backend name, also the engine's name: 'tensorflow', 'wasm', 'cpu'. */
  name: string;
  /** The npm package that provides it, e.g. '@tensorflow/tfjs-node'. */
  package: string;
  /** Compute threads, where the engine says. */
  threads?: number;
  /** Engine facts for doctor and provenance (the native library's version, path and origin). */
  details?: Record<string, string>;
}

/** What a run may say about the engine it trains on. */
export interface EngineOptions {
  /** webgpu: the adapter, by index or a part of its name (`--gpu-adapter`; doctor lists them). */
  gpuAdapter?: string;
}

export type Availability = { ok: true; package: string } | { ok: false; reason: string };

/**
 * A training engine: one tfjs backend plus what icmix installs on it. One module per engine and
 * one line in ./index.ts; `init` may install global patches (tfjs-layers prototypes, gradients),
 * and `release` removes them before another engine takes over, so none leaks to another.
 */
export interface TrainingEngine<Name extends string = string> {
  readonly name: Name;
  readonly description: string;
  /** 'auto' takes the available engine of highest priority; 0 = only when named. */
  readonly priority: number;
  /** The npm packages that can provide it, in the order they are tried. */
  readonly packages: readonly string[];
  /** How to get it where it is missing or broken. */
  readonly installHint: string;
  /** Whether its packages are here (cheap: loads nothing). */
  available(): Availability;
  /** Where the packages are here but the device they drive is not (no GPU adapter): why; else undefined. Loads the driver. */
  deviceReason?(): Promise<string | undefined>;
  /** Make it tfjs's active backend with icmix's kernels and patches; throws IcmixError naming the fix. */
  init(opts?: EngineOptions): Promise<EngineInfo>;
  /** Undo init's global patches. */
  release(): void;
  /** Data-parallel worker threads when a run names none (an engine that threads itself says 1). */
  defaultWorkers(): number;
  /** Whether runs may use data-parallel worker threads on it. */
  readonly workerThreads: boolean;
  /** Refuse, before the first step, a step that cannot fit the engine's memory. */
  checkStep?(s: StepSize): void;
  /** Why the engine's device failed (lost: a GPU reset, a driver crash; or a command it refused), once it has; its results are not to be trusted then. */
  lostDevice?(): string | undefined;
  /** The engine's own out-of-memory error for `err` (thrown `where`), or undefined if it is not one. */
  outOfMemory?(err: unknown, s: StepSize, where: string): IcmixError | undefined;
}
