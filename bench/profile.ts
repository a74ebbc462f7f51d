/**
 * Where a training step goes: tf.profile of SGD steps (batch 128, ResNet-20 by default), per
 * kernel, ms and share of the kernels' total, plus the step's wall time (the gap is JS between
 * kernels: the tape, tidy, the optimizer's bookkeeping).
 *
 *   npm run bench:profile -- [--model resnet20] [--method ce] [--batch 128] [--shape 28,28,1]
 *                            [--backend wasm] [--steps 2] [--warmup 2] [--label before] [--top 25]
 *                            [--unfused] [--ab 0]
 *
 * --unfused profiles tfjs's own BatchNorm-in-training path (src/backend/fused off), for the
 * before/after tables. --ab N times N rounds of one fused and one unfused step, interleaved in
 * this process so both see the same load, and prints the median of each.
 *
 * Ops built with customGrad (fused.conv2d) appear twice in a profile: as the wrapper
 * `<op>__op` and as the kernel it runs (FusedConv2D); the wrapper is left out so each is counted
 * once. Writes bench/results/profile[-label].json.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendName } from '../src/backend/select.js';
import { installFusedTraining, uninstallFusedTraining } from '../src/backend/fused/layer.js';
import { writeJsonAtomic } from '../src/util/atomic.js';
import { benchStep } from './step.js';
import { arg, median } from './args.js';

export interface KernelRow {
  kernel: string;
  calls: number;
  /** Per step. */
  ms: number;
  /** Of the kernels' total. */
  share: number;
}

/** The three convolution directions, and the kernels that run them. */
const CONV_DIRECTIONS: Record<string, string> = {
  FusedConv2D: 'forward',
  Conv2D: 'forward',
  Conv2DBackpropInput: 'input gradient',
  Conv2DBackpropFilter: 'filter gradient',
};

export interface ConvRate {
  direction: string;
  calls: number;
  /** Multiply-adds x 2, per step. */
  gflop: number;
  ms: number;
  gflops: number;
}

/**
 * FLOPs of one conv kernel record: 2 x (output-side elements) x kh*kw*ci. Every direction of the
 * same layer does the same work: the forward's y, the input gradient's dy and the filter
 * gradient's dy all have the layer's output shape.
 */
export function convFlops(name: string, inputShapes: number[][], outputShapes: number[][]): number {
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  if (name === 'FusedConv2D' || name === 'Conv2D') {
    const [kh, kw, ci] = inputShapes[1];
    return 2 * size(outputShapes[0]) * kh * kw * ci;
  }
  if (name === 'Conv2DBackpropInput') {
    const [kh, kw, ci] = inputShapes[1]; // (dy, filter)
    return 2 * size(inputShapes[0]) * kh * kw * ci;
  }
  if (name === 'Conv2DBackpropFilter') {
    const [kh, kw, ci] = outputShapes[0]; // (x, dy) -> filter
    return 2 * size(inputShapes[1]) * kh * kw * ci;
  }
  return 0;
}

/** Per-direction GFLOP and achieved GFLOP/s from tf.profile records (per step). */
export function convRates(
  kernels: { name: string; kernelTimeMs: number; inputShapes: number[][]; outputShapes: number[][] }[],
  steps: number,
): ConvRate[] {
  const by = new Map<string, ConvRate>();
  for (const k of kernels) {
    const direction = CONV_DIRECTIONS[k.name];
    if (!direction) continue;
    const e = by.get(direction) ?? { direction, calls: 0, gflop: 0, ms: 0, gflops: 0 };
    e.calls += 1 / steps;
    e.gflop += convFlops(k.name, k.inputShapes, k.outputShapes) / 1e9 / steps;
    e.ms += k.kernelTimeMs / steps;
    by.set(direction, e);
  }
  return [...by.values()].map((e) => ({ ...e, gflops: e.ms > 0 ? e.gflop / (e.ms / 1000) : 0 }));
}

/** Sum tf.profile's kernel records by name (wrappers of customGrad ops excluded), per step. */
export function tabulate(kernels: { name: string; kernelTimeMs: number }[], steps: number): KernelRow[] {
  const by = new Map<string, { calls: number; ms: number }>();
  for (const k of kernels) {
    if (k.name.endsWith('__op')) continue;
    const e = by.get(k.name) ?? { calls: 0, ms: 0 };
    e.calls += 1;
    e.ms += k.kernelTimeMs;
    by.set(k.name, e);
  }
  const total = [...by.values()].reduce((s, e) => s + e.ms, 0);
  return [...by.entries()]
    .map(([kernel, e]) => ({ kernel, calls: e.calls / steps, ms: e.ms / steps, share: total > 0 ? e.ms / total : 0 }))
    .sort((a, b) => b.ms - a.ms);
}

async function main(): Promise<void> {
  const backendName = arg('backend', 'wasm') as BackendName;
  const info = await useBackend(backendName);
  const modelName = arg('model', 'resnet20');
  const methodName = arg('method', 'ce');
  const batch = Number(arg('batch', '128'));
  const shape = arg('shape', '28,28,1').split(',').map(Number) as [number, number, number];
  const steps = Number(arg('steps', '2'));
  const warmup = Number(arg('warmup', '2'));
  const label = arg('label', '');
  const top = Number(arg('top', '25'));
  const unfused = process.argv.includes('--unfused');
  const abRounds = Number(arg('ab', '0'));
  if (unfused) uninstallFusedTraining();

  const { step } = benchStep(modelName, methodName, batch, shape);
  for (let i = 0; i < warmup; i++) step();
  let ab: { fusedMs: number[]; unfusedMs: number[]; fusedMedian: number; unfusedMedian: number } | undefined;
  if (abRounds > 0) {
    const timed = (): number => {
      const t = performance.now();
      step();
      return performance.now() - t;
    };
    const fusedMs: number[] = [];
    const unfusedMs: number[] = [];
    uninstallFusedTraining();
    step(); // warm the unfused path's kernels too
    for (let r = 0; r < abRounds; r++) {
      installFusedTraining();
      fusedMs.push(timed());
      uninstallFusedTraining();
      unfusedMs.push(timed());
    }
    if (!unfused) installFusedTraining();
    ab = { fusedMs, unfusedMs, fusedMedian: median(fusedMs), unfusedMedian: median(unfusedMs) };
  }
  // Wall time unprofiled first (the profiler's bookkeeping adds a little per kernel).
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const stepMs = (performance.now() - t0) / steps;
  const kernels: { name: string; kernelTimeMs: number; inputShapes: number[][]; outputShapes: number[][] }[] = [];
  for (let i = 0; i < steps; i++) {
    const p = await tf.profile(step);
    for (const k of p.kernels) {
      const ms = await k.kernelTimeMs;
      if (typeof ms !== 'number') throw new Error(`bench:profile: the ${info.name} backend gave no time for ${k.name}: ${ms.error}`);
      kernels.push({ name: k.name, kernelTimeMs: ms, inputShapes: k.inputShapes, outputShapes: k.outputShapes });
    }
  }
  const rows = tabulate(kernels, steps);
  const rates = convRates(kernels, steps);
  const kernelMs = rows.reduce((s, r) => s + r.ms, 0);
  const load = os.loadavg();
  const result = {
    label,
    model: modelName,
    method: methodName,
    batch,
    shape,
    backend: info.name,
    threads: info.threads ?? 1,
    fusedBatchNorm: !unfused,
    steps,
    stepMs,
    ab,
    kernelMs,
    loadAverage: load,
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
    kernels: rows,
    convRates: rates,
    createdAt: new Date().toISOString(),
  };
  const file = path.join('bench', 'results', `profile${label ? `-${label}` : ''}.json`);
  await writeJsonAtomic(file, result);
  const lines = [
    `${modelName} ${methodName} step, batch ${batch}, ${shape.join('x')}, ${info.name} (${info.threads ?? 1} thread): ` +
      `${unfused ? 'unfused BN, ' : ''}${stepMs.toFixed(0)} ms/step, kernels ${kernelMs.toFixed(0)} ms; load ${load.map((l) => l.toFixed(2)).join(' ')}`,
    '',
    '| kernel | calls | ms | share |',
    '| :--- | ---: | ---: | ---: |',
  ];
  for (const r of rows.slice(0, top)) lines.push(`| ${r.kernel} | ${r.calls} | ${r.ms.toFixed(1)} | ${(100 * r.share).toFixed(1)}% |`);
  const rest = rows.slice(top);
  if (rest.length) {
    const ms = rest.reduce((s, r) => s + r.ms, 0);
    lines.push(`| ${rest.length} others | ${rest.reduce((s, r) => s + r.calls, 0)} | ${ms.toFixed(1)} | ${((100 * ms) / kernelMs).toFixed(1)}% |`);
  }
  if (rates.length) {
    lines.push('', '| conv direction | calls | GFLOP/step | ms | GFLOP/s |', '| :--- | ---: | ---: | ---: | ---: |');
    for (const r of rates) lines.push(`| ${r.direction} | ${Math.round(r.calls)} | ${r.gflop.toFixed(2)} | ${r.ms.toFixed(1)} | ${r.gflops.toFixed(1)} |`);
    const fwd = rates.find((r) => r.direction === 'forward');
    const convMs = rates.reduce((s, r) => s + r.ms, 0);
    const gflop = rates.reduce((s, r) => s + r.gflop, 0);
    if (fwd && fwd.gflops > 0) {
      // The step if both gradients ran at the forward's rate: a ceiling for this conv engine.
      const atFwd = (gflop / fwd.gflops) * 1000;
      const ceilingMs = stepMs - convMs + atFwd;
      lines.push(
        '',
        `conv work ${(gflop / batch * 1000).toFixed(1)} MFLOP per training image; if every direction ran at the forward's ` +
          `${fwd.gflops.toFixed(1)} GFLOP/s the convs would take ${atFwd.toFixed(0)} ms instead of ${convMs.toFixed(0)}, ` +
          `a ${ceilingMs.toFixed(0)} ms step (${((batch / ceilingMs) * 1000).toFixed(0)} img/s on this thread)`,
      );
    }
  }
  if (ab) {
    lines.push('', `A/B, ${abRounds} interleaved rounds: fused ${ab.fusedMedian.toFixed(0)} ms/step, unfused ${ab.unfusedMedian.toFixed(0)} ms/step (medians; ${(ab.unfusedMedian / ab.fusedMedian).toFixed(2)}x)`);
  }
  lines.push('', `written ${file}`);
  console.log(lines.join('\n'));
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
