import { availableParallelism, loadavg } from 'node:os';

/**
 * Default intra-op threads for ONNX Runtime (node's intraOpNumThreads, web's env.wasm.numThreads)
 * when the user gives none: the cores not already busy, i.e. cores - 1-minute load average,
 * rounded, at least 1.
 *
 * Why not every core: each parallel operator waits for its slowest thread, so a thread that
 * shares a core with another process stalls the whole run. Measured on a 2-core machine at load
 * ~4 (docs/benchmarks.md, "Evaluation threads"): onnxruntime-node at 2 threads gave 1,700-2,000
 * img/s against 3,300-3,450 at 1, and onnxruntime-web at 2 threads anywhere from 0.5x to 1.8x its
 * 1-thread figure; on idle cores more threads pay. An explicit --threads always wins.
 */
export function defaultOrtThreads(cores = availableParallelism(), load1 = loadavg()[0]): number {
  return Math.max(1, Math.min(cores, Math.round(cores - load1)));
}
