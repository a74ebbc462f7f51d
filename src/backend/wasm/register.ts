/** Registers the kernels icmix adds to the wasm backend so it can train conv nets, fast. */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.js';
import { depthwiseBackpropFilterConfig } from './depthwise-backprop-filter.js';
import { depthwiseBackpropInputConfig } from './depthwise-backprop-input.js';
import { tileConfig } from './tile.js';
import { batchMatMulConfig } from './batch-matmul.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { registerLeanBatchNormGradient, restoreCoreBatchNormGradient } from '../batchnorm-grad.js';
import { installFusedTraining, uninstallFusedTraining } from '../fused/layer.js';
import { installLeanConv, uninstallLeanConv } from '../fused/lean-conv.js';

/** Gradient kernels tfjs-backend-wasm 4.22 lacks: without them conv training throws. */
export const MISSING_KERNELS: KernelConfig[] = [
  conv2dBackpropFilterConfig,
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
];

/** Kernels wasm has but that dominate a training step; ours are faster (see each file). */
export const FASTER_KERNELS: KernelConfig[] = [conv2dBackpropInputConfig, tileConfig, batchMatMulConfig, maxPoolGradConfig];

/** tfjs's own configs of the kernels we replaced, kept so `faster: false` can restore them. */
const originals = new Map<string, KernelConfig | undefined>();

function put(config: KernelConfig): void {
  const current = tf.getKernel(config.kernelName, 'wasm');
  if (current === config) return;
  if (!originals.has(config.kernelName)) originals.set(config.kernelName, current);
  // Unregister first: registerKernel warns on every overwrite.
  if (current) tf.unregisterKernel(config.kernelName, 'wasm');
  tf.registerKernel(config);
}

function restore(name: string): void {
  if (!originals.has(name)) return;
  const original = originals.get(name);
  if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
  if (original) {
    tf.registerKernel(original);
    // tfjs runs setupFunc only for kernels registered when the backend initialises; if ours held
    // the slot then, the original's C++ binding was never made.
    const backend = tf.engine().registry['wasm'];
    if (backend && original.setupFunc) original.setupFunc(backend);
  }
  originals.delete(name);
}

export interface WasmKernelOptions {
  /**
   * Also replace the slow built-in kernels listed in FASTER_KERNELS and install the lean
   * FusedBatchNorm gradient (../batchnorm-grad.ts; global, same maths on every backend) and the
   * fused BatchNorm-in-training kernels (../fused/; wasm and cpu), and route bias-free convs in
   * training through tf.conv2d so unused input gradients are pruned (../fused/lean-conv.ts).
   * Default true.
   */
  faster?: boolean;
}

/**
 * Register icmix's wasm training kernels. Idempotent; callable before or after the wasm backend
 * initialises (only BatchMatMul has a setup step: the built-in one it wraps). Returns the kernel names now ours.
 */
export function registerWasmTrainingKernels(opts: WasmKernelOptions = {}): string[] {
  for (const k of MISSING_KERNELS) put(k);
  if (opts.faster ?? true) {
    for (const k of FASTER_KERNELS) put(k);
    registerLeanBatchNormGradient();
    installFusedTraining();
    installLeanConv();
  } else {
    for (const k of FASTER_KERNELS) restore(k.kernelName);
    restoreCoreBatchNormGradient();
    uninstallFusedTraining();
    uninstallLeanConv();
  }
  return [...MISSING_KERNELS, ...(opts.faster ?? true ? FASTER_KERNELS : [])].map((k) => k.kernelName);
}
