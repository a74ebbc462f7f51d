/**
 * Conv2D gradient kernels alone, on ResNet-20's layer shapes (batch 128, 28x28x1 input, 'same'
 * padding): each variant of a kernel runs interleaved with the others in this process, round after
 * round, so all see the same machine load; prints the median ms per call of each.
 *
 *   npm run bench:conv-grad -- [--batch 128] [--rounds 7] [--chunks 0,524288]
 *
 * Variants of Conv2DBackpropFilter are its batch chunk sizes in bytes of dy (0 = whole batch, the
 * former kernel). Writes bench/results/conv-grad.json.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { useBackend } from '../src/backend/select.js';
import { conv2dBackpropFilterWasm, DEFAULT_CHUNK_BYTES, setFilterGradChunkBytes } from '../src/backend/wasm/conv2d-backprop-filter.js';
import { benchStep } from './step.js';
import { writeJsonAtomic } from '../src/util/atomic.js';
import { arg, median } from './args.js';

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

async function main(): Promise<void> {
  await useBackend('wasm');
  const backend = tf.backend() as BackendWasm;
  const batch = Number(arg('batch', '128'));
  const rounds = Number(arg('rounds', '7'));
  const chunks = arg('chunks', '0,524288').split(',').map(Number);
  const rows: { layer: string; chunkBytes: number; ms: number }[] = [];
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
        const out = conv2dBackpropFilterWasm(backend, xi, dyi, attrs, { chunkBytes: c });
        const dt = performance.now() - t0;
        backend.disposeData(out.dataId);
        if (r > 0) times[i].push(dt); // round 0 warms up
      });
    }
    const line = chunks.map((c, i) => `${c / 1024}K ${median(times[i]).toFixed(1)}`).join('  ');
    console.log(`${L.name.padEnd(24)} ${line}`);
    chunks.forEach((c, i) => rows.push({ layer: L.name, chunkBytes: c, ms: median(times[i]) }));
    tf.dispose([x, dy]);
  }
  const load = os.loadavg();
  console.log(`loadavg ${load.map((v) => v.toFixed(2)).join(' ')}`);
  const stepRounds = Number(arg('steps', '0'));
  const steps: { chunkBytes: number; msPerStep: number; filterGradMsPerStep: number }[] = [];
  if (stepRounds > 0) {
    const s = benchStep('resnet20', 'ce', batch, [28, 28, 1]);
    const wall = chunks.map(() => [] as number[]);
    const kernel = chunks.map(() => [] as number[]);
    // Odd rounds: wall time unprofiled; even rounds: tf.profile for the kernel's own time in the
    // step (steadier than the wall time on a shared machine). Round 0 warms up.
    for (let r = 0; r < 2 * stepRounds + 1; r++) {
      for (const [i, c] of chunks.entries()) {
        setFilterGradChunkBytes(c);
        if (r % 2 === 1) {
          const t0 = performance.now();
          s.step();
          wall[i].push(performance.now() - t0);
        } else {
          const p = await tf.profile(() => s.step());
          const ms = p.kernels.filter((k) => k.name === 'Conv2DBackpropFilter').reduce((a, k) => a + (k.kernelTimeMs as number), 0);
          if (r > 0) kernel[i].push(ms);
        }
      }
    }
    s.dispose();
    setFilterGradChunkBytes(DEFAULT_CHUNK_BYTES);
    chunks.forEach((c, i) => steps.push({ chunkBytes: c, msPerStep: median(wall[i]), filterGradMsPerStep: median(kernel[i]) }));
    console.log(`whole step (${stepRounds} rounds, medians): ${steps.map((e) => `${e.chunkBytes / 1024}K ${e.msPerStep.toFixed(0)} ms/step, Conv2DBackpropFilter ${e.filterGradMsPerStep.toFixed(0)} ms`).join('  |  ')}`);
    console.log(`loadavg ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  }
  writeJsonAtomic(path.join('bench', 'results', 'conv-grad.json'), { batch, rounds, rows, loadavg: load, steps });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
