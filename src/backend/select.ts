import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { IcmixError } from '../util/errors.js';

/** The tfjs backends icmix can select; 'auto' = tensorflow if installed, else wasm. */
export const BACKEND_NAMES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

const require = createRequire(import.meta.url);

// tfjs prints an advert for tfjs-node on first use of the cpu backend; icmix says so itself.
tf.env().set('PROD', true);

/** Whether an optional package can be resolved from here (tfjs-node is never a hard dependency). */
function hasPackage(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * Load the native TensorFlow backend if installed: tfjs-node-gpu first (it uses CUDA when
 * present), then tfjs-node. Both register a backend named 'tensorflow'.
 */
async function loadTensorflow(): Promise<string | undefined> {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    if (!hasPackage(pkg)) continue;
    await import(pkg);
    return pkg;
  }
  return undefined;
}

export interface BackendInfo {
  name: string;
  /** The package that provides it, e.g. '@tensorflow/tfjs-node-gpu'. */
  package: string;
  /** Compute threads, where the backend says (wasm: xnnpack pool size). */
  threads?: number;
}

/**
 * Make `name` the active tfjs backend. 'auto' prefers native TensorFlow when installed, else
 * wasm (with icmix's training kernels); the pure-JS cpu backend only when asked for by name.
 */
export async function useBackend(name: BackendName): Promise<BackendInfo> {
  if (name === 'tensorflow' || name === 'auto') {
    const pkg = await loadTensorflow();
    if (pkg) {
      await tf.setBackend('tensorflow');
      await tf.ready();
      return { name: 'tensorflow', package: pkg };
    }
    if (name === 'tensorflow') {
      throw new IcmixError(
        "backend 'tensorflow' needs @tensorflow/tfjs-node (CPU) or @tensorflow/tfjs-node-gpu (CUDA), " +
          'and neither is installed. Install one with `npm install @tensorflow/tfjs-node@4.22.0` ' +
          '(its install downloads libtensorflow), or use --backend wasm.',
      );
    }
  }
  if (name === 'wasm' || name === 'auto') {
    const { registerWasmTrainingKernels } = await import('./wasm/register.js');
    registerWasmTrainingKernels();
    // tfjs's stock build: single-threaded in Node. (icmix's loader for the threaded build was
    // removed: it hung intermittently; issue 10.)
    if (!(await tf.setBackend('wasm'))) throw new IcmixError('the wasm backend failed to initialise');
    await tf.ready();
    return { name: 'wasm', package: '@tensorflow/tfjs-backend-wasm', threads: 1 };
  }
  if (name === 'cpu') {
    await tf.setBackend('cpu');
    await tf.ready();
    return { name: 'cpu', package: '@tensorflow/tfjs-backend-cpu' };
  }
  throw new IcmixError(`unknown backend '${name}': choose auto, tensorflow, wasm or cpu`);
}
