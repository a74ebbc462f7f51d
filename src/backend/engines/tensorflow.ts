import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { IcmixError } from '../../util/errors.js';
import { gib, estimateStepBytes, type StepSize } from '../step-memory.js';
import { installFusedTraining, uninstallFusedTraining } from '../fused/layer.js';
import { installLeanConv, uninstallLeanConv } from '../fused/lean-conv.js';
import { installNativeKernels, uninstallNativeKernels } from '../tensorflow/kernels.js';
import type { TrainingEngine } from './types.js';

const require = createRequire(import.meta.url);

/** tfjs-node-gpu first (CUDA where present), then tfjs-node; both register backend 'tensorflow'. */
const PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

const SETUP = '`bash scripts/setup.sh` builds it against TensorFlow\'s own library (`bash scripts/setup-gpu.sh` for CUDA)';

function packageDir(pkg: string): string | undefined {
  try {
    return path.dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    return undefined;
  }
}

/** Where the package's libtensorflow is, and what scripts/native-engine.sh recorded about it. */
function libraryFacts(pkg: string): Record<string, string> {
  const dir = packageDir(pkg);
  if (!dir) return {};
  const out: Record<string, string> = {};
  const lib = path.join(dir, 'deps', 'lib', 'libtensorflow.so');
  if (existsSync(lib)) out.library = realpathSync(lib);
  const origin = path.join(dir, 'deps', 'icmix-origin.json');
  if (existsSync(origin)) {
    try {
      const o = JSON.parse(readFileSync(origin, 'utf8')) as { source?: string };
      if (o.source) out.origin = o.source;
    } catch {
      out.origin = `unreadable ${origin}`;
    }
  } else {
    out.origin = 'tfjs-node\'s own install (libtensorflow download)';
  }
  return out;
}

let loaded: string | undefined;

/** TensorFlow's intra-op threads: TF_NUM_INTRAOP_THREADS where set (a study cell's share), else every core. */
function intraOpThreads(): number {
  const n = Number(process.env.TF_NUM_INTRAOP_THREADS);
  return Number.isInteger(n) && n > 0 ? n : availableParallelism();
}

/** TensorFlow's C library through tfjs-node: oneDNN kernels, its own thread pool, no heap cap. */
export const tensorflowEngine: TrainingEngine<'tensorflow'> = {
  name: 'tensorflow',
  description: 'TensorFlow\'s native library through @tensorflow/tfjs-node (-gpu), with icmix\'s fused kernels',
  priority: 20,
  packages: PACKAGES,
  installHint: SETUP,
  available() {
    const pkg = PACKAGES.find((p) => packageDir(p) !== undefined);
    return pkg ? { ok: true, package: pkg } : { ok: false, reason: `neither ${PACKAGES.join(' nor ')} is installed` };
  },
  async init() {
    const found = this.available();
    if (!found.ok) throw new IcmixError(`engine 'tensorflow': ${found.reason}; ${SETUP}, or use --backend wasm`);
    if (loaded === undefined) {
      // TensorFlow logs its CPU features and oneDNN notice at load; icmix reports the engine itself.
      process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
      try {
        await import(found.package);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        throw new IcmixError(`engine 'tensorflow': ${found.package} is installed but its native library did not load (${msg.split('\n')[0]}); ${SETUP}, or use --backend wasm`);
      }
      loaded = found.package;
    }
    if (!(await tf.setBackend('tensorflow'))) throw new IcmixError(`engine 'tensorflow': ${loaded} loaded but the backend failed to initialise; ${SETUP}`);
    await tf.ready();
    installNativeKernels();
    installFusedTraining();
    installLeanConv();
    const native = tf.backend() as unknown as { binding?: { TF_Version?: string }; isUsingGpuDevice?: boolean };
    const gpu: Record<string, string> = loaded.endsWith('-gpu') ? { gpu: native.isUsingGpuDevice ? 'in use' : 'NOT in use: TensorFlow found no CUDA device (check `nvidia-smi`, then bash scripts/setup-gpu.sh)' } : {};
    return {
      name: 'tensorflow',
      package: loaded,
      threads: intraOpThreads(),
      details: { tensorflow: native.binding?.TF_Version ?? 'unknown', ...libraryFacts(loaded), ...gpu },
    };
  },
  release() {
    uninstallNativeKernels();
    uninstallFusedTraining();
    uninstallLeanConv();
  },
  // TensorFlow runs its own thread pool; replicas in worker threads would each load the library.
  defaultWorkers: () => 1,
  workerThreads: false,
  outOfMemory(err: unknown, s: StepSize, where: string) {
    const msg = err instanceof Error ? err.message : String(err);
    if (!/OOM when allocating|ResourceExhausted|bad_alloc|out of memory/i.test(msg)) return undefined;
    return new IcmixError(
      `TensorFlow ran out of memory ${where} at batch size ${s.batchSize} (a step needs at least about ${gib(estimateStepBytes(s))}); use a smaller --batch-size or a smaller model`,
    );
  },
};
