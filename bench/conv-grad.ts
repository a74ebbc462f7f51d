/**
 * Conv2D gradient kernels alone, on ResNet-20's layer shapes (batch 128, 28x28x1 input, 'same'
 * padding): each variant of a kernel runs interleaved with the others in this process, round after
 * round, so all see the same machine load; prints the median ms per call of each.
 *
 *   npx tsx bench/conv-grad.ts [--batch 128] [--rounds 7] [--variants 0c,1048576c,1048576]
 *
 * Variants of Conv2DBackpropFilter: its batch chunk size in bytes of dy (0 = whole batch, the
 * former kernel), with a trailing 'c' when 1x1 filters also take the swapped conv, not a MatMul. Writes bench/results/conv-grad.json.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { useBackend } from '../src/backend/select.js';
import { conv2dBackpropFilterWasm, setFilterGradChunkBytes } from '../src/backend/wasm/conv2d-backprop-filter.js';
import { benchStep } from './step.js';
import { writeJsonAtomic } from '../src/util/atomic.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : dflt;
}

/** One conv of the net: input h x w x ci, k x k filter to co channels, stride s, 'same'. */
interface Layer {
  name: string;
  h: number;
  ci: number;
  co: number;
  k: number;
  s: number;
}

export const RESNET20_LAYERS: Layer[] = [
  { name: 'stem 28x28x1 3x3 ->16', h: 28, ci: 1, co: 16, k: 3, s: 1 },
  { name: '28x28x16 3x3 ->16', h: 28, ci: 16, co: 16, k: 3, s: 1 },
  { name: '28x28x16 3x3/2 ->32', h: 28, ci: 16, co: 32, k: 3, s: 2 },
  { name: '28x28x16 1x1/2 ->32', h: 28, ci: 16, co: 32, k: 1, s: 2 },
  { name: '14x14x32 3x3 ->32', h: 14, ci: 32, co: 32, k: 3, s: 1 },
  { name: '14x14x32 3x3/2 ->64', h: 14, ci: 32, co: 64, k: 3, s: 2 },
  { name: '14x14x32 1x1/2 ->64', h: 14, ci: 32, co: 64, k: 1, s: 2 },
  { name: '7x7x64 3x3 ->64', h: 7, ci: 64, co: 64, k: 3, s: 1 },
];

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  await useBackend('wasm');
  const backend = tf.backend() as BackendWasm;
  const batch = Number(arg('batch', '128'));
  const rounds = Number(arg('rounds', '7'));
  // A variant: chunk bytes, with a trailing 'c' to force the swapped conv for 1x1 filters.
  const variants = arg('variants', '0c,1048576c,1048576').split(',');
  const chunks = variants.map((v) => Number(v.replace('c', '')));
  const conv1x1 = variants.map((v) => v.endsWith('c'));
  const rows: { layer: string; variant: string; ms: number }[] = [];
  for (const L of RESNET20_LAYERS) {
    const oh = Math.ceil(L.h / L.s);
    const x = tf.randomUniform([batch, L.h, L.h, L.ci], -1, 1, 'float32', 1);
    const dy = tf.randomUniform([batch, oh, oh, L.co], -1, 1, 'float32', 2);
    const attrs = { strides: L.s, pad: 'same' as const, filterShape: [L.k, L.k, L.ci, L.co] as [number, number, number, number] };
    const xi = { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    const dyi = { dataId: dy.dataId, shape: dy.shape, dtype: dy.dtype };
    const times = chunks.map(() => [] as number[]);
    for (let r = 0; r < rounds + 1; r++) {
      chunks.forEach((c, i) => {
        const t0 = performance.now();
        const out = conv2dBackpropFilterWasm(backend, xi, dyi, attrs, { chunkBytes: c, matmul1x1: !conv1x1[i] });
        const dt = performance.now() - t0;
        backend.disposeData(out.dataId);
        if (r > 0) times[i].push(dt); // round 0 warms up
      });
    }
    const line = variants.map((v, i) => `${v} ${median(times[i]).toFixed(1)}`).join('  ');
    console.log(`${L.name.padEnd(24)} ${line}`);
    variants.forEach((v, i) => rows.push({ layer: L.name, variant: v, ms: median(times[i]) }));
    tf.dispose([x, dy]);
  }
  const load = os.loadavg();
  console.log(`loadavg ${load.map((v) => v.toFixed(2)).join(' ')}`);
  const stepRounds = Number(arg('steps', '0'));
  const steps: { chunkBytes: number; msPerStep: number }[] = [];
  if (stepRounds > 0) {
    const s = benchStep('resnet20', 'ce', batch, [28, 28, 1]);
    const times = chunks.map(() => [] as number[]);
    for (let r = 0; r < stepRounds + 1; r++) {
      chunks.forEach((c, i) => {
        setFilterGradChunkBytes(c);
        const t0 = performance.now();
        s.step();
        if (r > 0) times[i].push(performance.now() - t0);
      });
    }
    s.dispose();
    chunks.forEach((c, i) => steps.push({ chunkBytes: c, msPerStep: median(times[i]) }));
    console.log(`whole step (${stepRounds} rounds): ${steps.map((e) => `${e.chunkBytes / 1024}K ${e.msPerStep.toFixed(0)} ms`).join('  ')}`);
    console.log(`loadavg ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  }
  writeJsonAtomic(path.join('bench', 'results', 'conv-grad.json'), { batch, rounds, rows, loadavg: load, steps });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
