import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { IcmixError } from '../../util/errors.js';
import { createCpuRuntime, createOrtNode } from './cpu.js';
import { DEFAULT_RUNTIME, type InferenceRuntime, type RuntimeOptions } from './types.js';

/**
 * onnxruntime-node's npm package ships without the CUDA execution provider (too large for npm);
 * its install script fetches it from NuGet when asked to (script/install.js, flag or env
 * ONNXRUNTIME_NODE_INSTALL=cuda12, Linux x64 only).
 */
export const CUDA_INSTALL_HINT =
  'install the CUDA 12 execution provider with `ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js` ' +
  '(Linux x64; it downloads libonnxruntime_providers_cuda.so from NuGet and needs the CUDA 12 and cuDNN 9 libraries on the library path), ' +
  'or pass --fallback cpu to continue on the CPU';

/** Where onnxruntime-node keeps its native libraries for this platform. */
export function ortNodeBinDir(): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve('onnxruntime-node');
  // main is <pkg>/dist/index.js; binaries are in <pkg>/bin/napi-v6/<platform>/<arch>.
  return path.join(path.dirname(main), '..', 'bin', 'napi-v6', process.platform, process.arch);
}

/** Why CUDA cannot be used here, or undefined when the provider library is present. */
export function cudaUnavailableReason(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return `onnxruntime-node's npm package provides the CUDA execution provider on Linux x64 only (this is ${process.platform}/${process.arch})`;
  }
  const lib = path.join(ortNodeBinDir(), 'libonnxruntime_providers_cuda.so');
  return existsSync(lib) ? undefined : `the CUDA execution provider library is not installed (${lib} is missing)`;
}

/**
 * onnxruntime-node on the CUDA execution provider. Without the provider library (checked first,
 * so onnxruntime does not print its own native error) or when the session fails to start on
 * CUDA, this throws an IcmixError saying how to install it, or with `fallback: 'cpu'` returns a
 * CPU runtime whose note records why.
 */
export async function createCudaRuntime(modelPath: string, opts: RuntimeOptions = {}): Promise<InferenceRuntime> {
  let reason = cudaUnavailableReason();
  if (!reason) {
    try {
      return await createOrtNode(modelPath, ['cuda'], opts, { name: 'cuda', requested: 'cuda', note: 'onnxruntime-node CUDA EP' });
    } catch (e) {
      reason = `onnxruntime-node could not start a CUDA session: ${(e as Error).message}`;
    }
  }
  if (opts.fallback === DEFAULT_RUNTIME) {
    const cpu = await createCpuRuntime(modelPath, opts);
    return { ...cpu, requested: 'cuda', note: `cuda unavailable, ran on cpu instead: ${reason}` };
  }
  throw new IcmixError(`runtime 'cuda' is unavailable: ${reason}. To use it, ${CUDA_INSTALL_HINT}.`);
}
