/**
 * One interface for every inference engine icmix evaluates and serves with: onnxruntime-node
 * (cpu, cuda), onnxruntime-web (wasm, webgpu) and tfjs (the trained model as reference).
 */

export type RuntimeName = 'cpu' | 'cuda' | 'web' | 'webgpu' | 'tfjs';

export interface RuntimeOptions {
  /** Intra-op threads (cpu) or wasm threads (web). */
  threads?: number;
}

/** A loaded model: feed a batch of preprocessed inputs, get raw outputs. */
export interface InferenceRuntime {
  readonly name: RuntimeName;
  /** [batch, classes] outputs (logits or probabilities, as the model's icmix.output says). */
  run(input: Float32Array, dims: readonly number[]): Promise<{ data: Float32Array; dims: number[] }>;
  dispose(): Promise<void>;
}
