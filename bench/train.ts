/**
 * Training-step throughput: images/s of SGD-momentum steps (batch 128) for ResNet-20, the small
 * cnn and the mlp on 28x28x1 and 32x32x3, per backend and data-parallel worker count (1, 2,
 * ... up to the core count: the scaling curve), for methods ce, mixup and icm (with ICM's cost
 * relative to mixup), next to the identical PyTorch nets (bench/torch_ref.py, 2 threads).
 *
 *   npm run bench:train -- [--steps 3] [--warmup 2] [--shapes "28,28,1;32,32,3"] [--models resnet20,cnn,mlp]
 *                          [--methods ce,mixup,icm] [--workers 1,2] [--backends wasm,tensorflow,cpu]
 *                          [--child-timeout 900]
 *
 * Each backend configuration runs in its own child process (a tfjs backend and its thread pool
 * are fixed once initialised), under a time limit: a hung child costs its rows, not the whole run.
 * The load average is recorded next to every figure: on a shared
 * machine it explains a lot. Writes bench/results/train.json.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeJsonAtomic } from '../src/util/atomic.js';
import { arg } from './args.js';

interface Row {
  model: string;
  backend: string;
  threads: number;
  /** Data-parallel worker threads (src/train/parallel); 1 = the in-process step. */
  workers: number;
  shape: number[];
  method: string;
  batch: number;
  steps: number;
  stepMs: number;
  imagesPerSec: number;
  load: number;
  note?: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** Child mode: time one backend configuration, print one JSON row per (shape, method). */
async function child(): Promise<void> {
  const { useBackend } = await import('../src/backend/select.js');
  const { benchStep, parallelBenchStep } = await import('./step.js');
  const backend = arg('backend', 'wasm');
  const info = await useBackend(backend as 'wasm' | 'cpu' | 'tensorflow');
  const batch = Number(arg('batch', '128'));
  const steps = Number(arg('steps', '3'));
  const warmup = Number(arg('warmup', '2'));
  const workers = Number(arg('workers', '1'));
  const configs = arg('models', 'resnet20').split(',').flatMap((m) => arg('shapes', '28,28,1;32,32,3').split(';').map((sh) => [m, sh]));
  if (workers > 1 && configs.length) {
    // The first worker pool of a process ran its timed steps at about 0.65x the later ones (the
    // first resnet20 row measured 1.0x one worker where the next rows measured 1.55-1.75x): an
    // untimed pool first, so every timed row starts from the same state.
    const [m0, s0] = configs[0];
    const first = await parallelBenchStep(m0, 'ce', batch, s0.split(',').map(Number) as [number, number, number], { workers, backend: info.name === 'wasm' ? 'wasm' : 'cpu' });
    for (let i = 0; i < warmup + steps; i++) await first.step();
    await first.dispose();
  }
  for (const [modelName, spec] of configs) {
    const shape = spec.split(',').map(Number) as [number, number, number];
    for (const name of arg('methods', 'ce,mixup,icm').split(',')) {
      // Data-parallel rows go through the trainer's worker pool; one worker is the in-process step.
      const run =
        workers > 1
          ? await parallelBenchStep(modelName, name, batch, shape, { workers, backend: info.name === 'wasm' ? 'wasm' : 'cpu' })
          : (() => {
              const local = benchStep(modelName, name, batch, shape);
              return { step: async () => local.step(), dispose: async () => local.dispose() };
            })();
      const step = run.step;
      for (let i = 0; i < warmup; i++) await step();
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) await step();
      const stepMs = (performance.now() - t0) / steps;
      await run.dispose();
      const row: Row = {
        model: modelName,
        backend: info.name,
        threads: info.threads ?? 1,
        workers,
        shape,
        method: name,
        batch,
        steps,
        stepMs,
        imagesPerSec: (batch * 1000) / stepMs,
        load: os.loadavg()[0],
      };
      process.stdout.write(`ROW ${JSON.stringify(row)}\n`);
    }
  }
}

/** Limit per child process (one backend configuration, every shape and method). */
let childTimeoutMs = 900_000;

function runChild(args: string[], env: NodeJS.ProcessEnv): Row[] {
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 24,
    timeout: childTimeoutMs,
  });
  const rows = (r.stdout ?? '')
    .split('\n')
    .filter((l) => l.startsWith('ROW '))
    .map((l) => JSON.parse(l.slice(4)) as Row);
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT') {
    process.stderr.write(`bench child ${args.join(' ')} timed out after ${childTimeoutMs / 1000} s; kept the ${rows.length} row(s) it finished\n`);
  } else if (r.status !== 0) process.stderr.write(`bench child ${args.join(' ')} exited with ${r.status}\n`);
  return rows;
}

function hasPackage(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const steps = arg('steps', '3');
  childTimeoutMs = Number(arg('child-timeout', '900')) * 1000;
  const warmup = arg('warmup', '2');
  const shapes = arg('shapes', '28,28,1;32,32,3');
  const methods = arg('methods', 'ce,mixup,icm');
  const models = arg('models', 'resnet20,cnn,mlp');
  const cores = os.availableParallelism();
  const workerCounts = arg('workers', Array.from({ length: cores }, (_, i) => i + 1).join(',')).split(',');
  const backends = arg('backends', hasPackage('@tensorflow/tfjs-node') ? 'wasm,tensorflow' : 'wasm').split(',');
  const common = ['--steps', steps, '--warmup', warmup, '--shapes', shapes, '--methods', methods, '--models', models];
  const rows: Row[] = [];
  const skipped: string[] = [];
  const startLoad = os.loadavg();
  if (!backends.includes('cpu')) {
    skipped.push('cpu: skipped (about 0.2 images/s for ResNet-20; pass --backends cpu with --steps 1 to time it)');
  }
  if (!hasPackage('@tensorflow/tfjs-node') && !hasPackage('@tensorflow/tfjs-node-gpu')) {
    skipped.push('tensorflow: skipped (@tensorflow/tfjs-node is not installed)');
  }
  for (const backend of backends) {
    if (backend === 'wasm') {
      for (const k of workerCounts) {
        process.stderr.write(`bench: wasm, ${k} worker(s)...\n`);
        rows.push(...runChild(['--backend', 'wasm', '--workers', k, ...common], {}));
      }
    } else {
      process.stderr.write(`bench: ${backend}...\n`);
      rows.push(...runChild(['--backend', backend, ...common], {}));
    }
  }
  process.stderr.write('bench: pytorch reference (2 threads)...\n');
  const py = spawnSync(
    '/usr/bin/python3',
    [path.join(here, 'torch_ref.py'), '--threads', '2', '--steps', String(Math.max(3, Number(steps))), '--warmup', warmup, '--shapes', shapes, '--methods', 'ce,mixup', '--models', models],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const torchRows: Row[] = (py.stdout ?? '')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Row);
  if (torchRows.length === 0) skipped.push(`pytorch: no result (exit ${py.status}; needs Debian's python3-torch)`);
  rows.push(...torchRows);

  // Table: images/s, ratio to PyTorch (same shape, ce for ce/icm, mixup for mixup), ICM/mixup cost.
  const ref = (model: string, shape: number[], method: string) =>
    torchRows.find((r) => r.model === model && r.shape.join() === shape.join() && r.method === (method === 'mixup' ? 'mixup' : 'ce'));
  const same = (a: Row, b: Row) => a.model === b.model && a.backend === b.backend && a.threads === b.threads && a.shape.join() === b.shape.join();
  // The scaling curve: img/s over the same row with 1 worker.
  const oneWorker = (r: Row) => rows.find((q) => same(q, r) && q.method === r.method && q.workers === 1);
  const lines = [
    'model     backend     thr  workers  shape     method  step ms  img/s   x 1 worker  x pytorch  load',
    ...rows.map((r) => {
      const p = r.backend === 'pytorch' ? undefined : ref(r.model, r.shape, r.method);
      const ratio = p ? (r.imagesPerSec / p.imagesPerSec).toFixed(3) : '-';
      const one = r.backend === 'pytorch' ? undefined : oneWorker(r);
      const scale = one ? (r.imagesPerSec / one.imagesPerSec).toFixed(2) : '-';
      return `${r.model.padEnd(9)} ${r.backend.padEnd(11)} ${String(r.threads).padStart(3)}  ${String(r.workers).padStart(7)}  ${r.shape.join('x').padEnd(8)}  ${r.method.padEnd(6)} ${r.stepMs.toFixed(0).padStart(8)} ${r.imagesPerSec.toFixed(1).padStart(6)}   ${scale.padStart(10)}  ${ratio.padStart(9)}  ${r.load.toFixed(2)}`;
    }),
  ];
  const icmRatios = rows
    .filter((r) => r.method === 'icm')
    .map((r) => {
      const m = rows.find((q) => same(q, r) && q.workers === r.workers && q.method === 'mixup');
      return m ? { model: r.model, backend: r.backend, threads: r.threads, workers: r.workers, shape: r.shape, icmOverMixup: r.stepMs / m.stepMs } : undefined;
    })
    .filter((x) => x !== undefined);
  for (const r of icmRatios) lines.push(`ICM step / mixup step (${r.model}, ${r.backend}, ${r.threads} thr, ${r.workers} workers, ${r.shape.join('x')}): ${r.icmOverMixup.toFixed(3)}`);
  lines.push(...skipped);
  lines.push(`load average at start ${startLoad.map((l) => l.toFixed(2)).join(' ')}, at end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (${os.cpus().length} cpus)`);
  console.log(lines.join('\n'));
  await writeJsonAtomic(path.join(here, 'results', 'train.json'), {
    createdAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadAtStart: startLoad, loadAtEnd: os.loadavg() },
    settings: { steps: Number(steps), warmup: Number(warmup), batch: 128, models: models.split(','), workers: workerCounts.map(Number), optimizer: 'SGD momentum 0.9, wd 5e-4' },
    rows,
    icmOverMixup: icmRatios,
    skipped,
  });
}

if (process.argv.includes('--child')) await child();
else await main();
