/**
 * One interface for every inference engine icmix evaluates and serves with: onnxruntime-node
 * (cpu, cuda, webgpu), onnxruntime-web (wasm) and tfjs (the trained model as reference).
 */
import type { BackendName } from '../../backend/select.js';
import type { ModelInfo } from '../model-info.js';

/** Every inference runtime, in the order --help lists them (the registry in index.ts maps each). */
export const RUNTIME_NAMES = ['cpu', 'cuda', 'web', 'webgpu', 'tfjs'] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

/** The runtime every command uses unless told otherwise, and the one a fallback continues on (index.ts checks it is the registry's lowest priority). */
export const DEFAULT_RUNTIME = 'cpu' as const satisfies RuntimeName;
export type FallbackRuntime = typeof DEFAULT_RUNTIME;

export interface RuntimeOptions {
  /** Intra-op threads (cpu, cuda) or wasm threads (web; fixed by the first web session in a process). */
  threads?: number;
  /** cuda / webgpu: continue on this runtime when the requested one is unavailable (recorded as a note). */
  fallback?: FallbackRuntime;
  /** tfjs: the run folder holding the trained model; default the .onnx file's folder. */
  runDir?: string;
  /** tfjs: the tfjs backend (default 'auto': tfjs-node if installed, else wasm). */
  backend?: BackendName;
  /** The model's info when the caller has it already (else read from the file). */
  info?: ModelInfo;
  /** ONNX runtimes: the model's bytes when the caller has them (e.g. an export not written yet); modelPath then only names it. */
  bytes?: Uint8Array;
}

/** One graph input's values and dims. */
export interface ModelFeed {
  data: Float32Array;
  dims: readonly number[];
}

/** A loaded model: feed a batch of preprocessed inputs, get raw outputs. */
export interface InferenceRuntime {
  /** The runtime that actually runs (e.g. 'cpu' after a cuda fallback). */
  readonly name: RuntimeName;
  /** What the caller asked for. */
  readonly requested: RuntimeName;
  /** Execution details or why a fallback happened, for reports. */
  readonly note?: string;
  /**
   * input: a batch preprocessed as the model's ModelInfo says (normalisation, layout), dims
   * [batch, H, W, C] or [batch, C, H, W]. Returns [batch, classes] outputs (logits or
   * probabilities, as ModelInfo.output says). The output may be a view the runtime reuses;
   * copy it before the next run.
   */
  run(input: Float32Array, dims: readonly number[]): Promise<{ data: Float32Array; dims: number[] }>;
  /**
   * Every graph input in order (run is this with one), for graphs with several inputs, such as
   * the arbitrary models export verification checks; the first output comes back.
   */
  runInputs?(inputs: readonly ModelFeed[]): Promise<{ data: Float32Array; dims: number[] }>;
  dispose(): Promise<void>;
}
