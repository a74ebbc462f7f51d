import { availableParallelism } from 'node:os';

/**
 * Default intra-op threads for ONNX Runtime (node's intraOpNumThreads, web's env.wasm.numThreads)
 * when the user gives none: every core.
 *
 * Measured on a quiet 2-core machine (docs/benchmarks.md, "Evaluation threads"), 2 threads gave
 * onnxruntime-node 1.8x and onnxruntime-web 1.66x their 1-thread figures. On a machine that other
 * processes keep busy, each parallel operator waits for its slowest thread and 1 thread can be
 * faster: pass --threads there. The default does not guess from the load average, which also
 * counts icmix's own work just before (a study's training, the previous bench row) and so picked
 * 1 thread on a quiet machine.
 */
export function defaultOrtThreads(cores = availableParallelism()): number {
  return Math.max(1, cores);
}
