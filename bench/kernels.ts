/**
 * icmix's replacement wasm kernels against tfjs-backend-wasm's own, on the shapes our models
 * train with (batch 128): BatchMatMul with a transposed operand (the dense layers' gradients) and
 * MaxPoolGrad (the small cnn's pools). Each pair runs interleaved, round after round, in this
 * process, so both see the same load; prints the median ms per call and writes
 * bench/results/kernels.json.
 *
 *   npm run bench:kernels -- [--rounds 9]
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-wasm';
import { useBackend } from '../src/backend/select.js';
import { batchMatMulConfig } from '../src/backend/wasm/batch-matmul.js';
import { maxPoolGradConfig } from '../src/backend/wasm/max-pool-grad.js';
import { writeJsonAtomic } from '../src/util/atomic.js';
import { arg, median } from './args.js';

// The built-in kernels, for the "tfjs" column: captured before useBackend registers icmix's.
const builtIn = { BatchMatMul: tf.getKernel('BatchMatMul', 'wasm')!, MaxPoolGrad: tf.getKernel('MaxPoolGrad', 'wasm')! };

interface Case {
  name: string;
  kernel: 'BatchMatMul' | 'MaxPoolGrad';
  inputs: Record<string, tf.Tensor>;
  attrs: object;
}

async function main(): Promise<void> {
  await useBackend('wasm');
  const backend = tf.backend() as BackendWasm;
  // tfjs set up only the kernels holding the slots at start-up (ours): bind the built-ins too.
  for (const k of Object.values(builtIn)) k.setupFunc?.(backend);
  const rounds = Number(arg('rounds', '9'));
  const r = (shape: number[]) => tf.randomNormal(shape, 0, 1, 'float32', 7);
  const pool = (shape: number[]): Case => {
    const x = r(shape) as tf.Tensor4D;
    const y = tf.maxPool(x, 2, 2, 'valid');
    return { name: `MaxPoolGrad 2x2/2 on [${shape}]`, kernel: 'MaxPoolGrad', inputs: { dy: r(y.shape), input: x, output: y }, attrs: { filterSize: 2, strides: 2, pad: 'valid' } };
  };
  const cases: Case[] = [
    { name: 'dW = x^T dy: [128,784]^T x [128,256] (mlp fc1)', kernel: 'BatchMatMul', inputs: { a: r([128, 784]), b: r([128, 256]) }, attrs: { transposeA: true, transposeB: false } },
    { name: 'dx = dy W^T: [128,256] x [784,256]^T', kernel: 'BatchMatMul', inputs: { a: r([128, 256]), b: r([784, 256]) }, attrs: { transposeA: false, transposeB: true } },
    { name: 'dW = x^T dy: [128,3136]^T x [128,128] (cnn fc1)', kernel: 'BatchMatMul', inputs: { a: r([128, 3136]), b: r([128, 128]) }, attrs: { transposeA: true, transposeB: false } },
    pool([128, 28, 28, 32]),
    pool([128, 14, 14, 64]),
  ];
  const ours: Record<Case['kernel'], KernelConfig> = { BatchMatMul: batchMatMulConfig, MaxPoolGrad: maxPoolGradConfig };
  const rows = [];
  for (const c of cases) {
    const time = (k: KernelConfig): number => {
      const t = performance.now();
      const out = k.kernelFunc({ inputs: c.inputs, backend, attrs: c.attrs as unknown as NamedAttrMap }) as TensorInfo;
      const ms = performance.now() - t;
      backend.disposeData(out.dataId);
      return ms;
    };
    const tfjsMs: number[] = [];
    const icmixMs: number[] = [];
    time(builtIn[c.kernel]);
    time(ours[c.kernel]);
    for (let i = 0; i < rounds; i++) {
      tfjsMs.push(time(builtIn[c.kernel]));
      icmixMs.push(time(ours[c.kernel]));
    }
    rows.push({ case: c.name, tfjsMs: median(tfjsMs), icmixMs: median(icmixMs), speedup: median(tfjsMs) / median(icmixMs) });
  }
  const load = os.loadavg();
  const file = path.join('bench', 'results', 'kernels.json');
  await writeJsonAtomic(file, { rounds, loadAverage: load, machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version }, rows, createdAt: new Date().toISOString() });
  const lines = [`wasm kernels, median of ${rounds} interleaved rounds; load ${load.map((l) => l.toFixed(2)).join(' ')}`, '', '| case | tfjs-wasm | icmix | x |', '| :--- | ---: | ---: | ---: |'];
  for (const row of rows) lines.push(`| ${row.case} | ${row.tfjsMs.toFixed(2)} ms | ${row.icmixMs.toFixed(2)} ms | ${row.speedup.toFixed(1)} |`);
  lines.push('', `written ${file}`);
  console.log(lines.join('\n'));
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
