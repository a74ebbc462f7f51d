/**
 * Evaluation throughput: images/s per runtime for resnet20 (the zoo's, seeded, untrained: speed
 * does not depend on the weights' values) over the Fashion-MNIST id suite, and the wall time of a
 * full evaluate() (id, ood, corruptions with the CLI's defaults: OOD sets capped at 2000 images, corruption sets at 1000).
 *
 *   npm run bench:eval -- [--model resnet20] [--images 2000] [--batch 256] [--runtimes cpu,web,tfjs]
 *                         [--full-runtimes cpu] [--no-full] [--threads N] [--no-web-threads]
 *
 * Web threads: onnxruntime-web starts its thread pool once per process, so the web runtime is also
 * timed in child processes at 1 thread and at icmix's default (every core),
 * alternating, best of two rounds each, with the ratios to 1 thread and the load average.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { defaultOrtThreads } from '../src/infer/runtimes/threads.js';
import { mkdtempSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { useBackend } from '../src/backend/select.js';
import { loadDataset } from '../src/data/index.js';
import { DEFAULT_CORRUPTION_SAMPLES, DEFAULT_OOD_SAMPLES, evaluate } from '../src/infer/evaluate.js';
import { readModelInfo } from '../src/infer/model-info.js';
import { predictRaw } from '../src/infer/predict.js';
import { createRuntime, parseRuntimeList, type RuntimeName } from '../src/infer/runtimes/index.js';
import { buildModel } from '../src/train/models/index.js';
import { saveLayersModel } from '../src/run/model-io.js';
import { META } from '../src/types.js';
import { RUN_FILES, type RunManifest } from '../src/run/index.js';
import { writeJsonAtomic } from '../src/util/atomic.js';

interface Args {
  model: string;
  images: number;
  batch: number;
  runtimes: RuntimeName[];
  fullRuntimes: RuntimeName[];
  full: boolean;
  threads?: number;
  webThreads: boolean;
  /** Child mode: time only the web runtime on this .onnx, at `threads`. */
  webOnly?: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { model: 'resnet20', images: 2000, batch: 256, runtimes: ['cpu', 'web', 'tfjs'], fullRuntimes: ['cpu'], full: true, webThreads: true };
  for (let i = 0; i < argv.length; i++) {
    const v = () => argv[++i];
    if (argv[i] === '--model') a.model = v();
    else if (argv[i] === '--images') a.images = Number(v());
    else if (argv[i] === '--batch') a.batch = Number(v());
    else if (argv[i] === '--runtimes') a.runtimes = parseRuntimeList(v());
    else if (argv[i] === '--full-runtimes') a.fullRuntimes = parseRuntimeList(v());
    else if (argv[i] === '--no-full') a.full = false;
    else if (argv[i] === '--threads') a.threads = Number(v());
    else if (argv[i] === '--no-web-threads') a.webThreads = false;
    else if (argv[i] === '--web-only') a.webOnly = v();
    else throw new Error(`bench:eval: unknown argument ${argv[i]}`);
  }
  return a;
}

const NORM = { mean: [0.286], std: [0.353] };

/** A run folder with the seeded model (tfjs layers) and its ONNX export. */
async function benchRun(modelName: string, classNames: string[]): Promise<string> {
  const { exportOnnx } = await import('../src/export/index.js');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'icmix-bench-eval-'));
  const model = buildModel(modelName, [28, 28, 1], 10, { seed: 1 });
  await saveLayersModel(model, path.join(dir, RUN_FILES.model));
  const manifest: RunManifest = {
    icmixVersion: 'bench',
    createdAt: new Date().toISOString(),
    config: { model: modelName, seed: 1 },
    dataset: { name: 'fashion-mnist', protocol: {}, trainSize: 0, valSize: 0, testSize: 10000, classCounts: [] },
    classNames,
    inputShape: [28, 28, 1],
    normalization: NORM,
    backend: 'bench',
    versions: {},
  };
  await fs.writeFile(path.join(dir, RUN_FILES.manifest), JSON.stringify(manifest));
  const bytes = exportOnnx(model, {
    normalization: NORM,
    metadata: { [META.classNames]: JSON.stringify(classNames), [META.inputShape]: JSON.stringify([28, 28, 1]), [META.dataset]: 'fashion-mnist', [META.method]: 'bench' },
  });
  await fs.writeFile(path.join(dir, RUN_FILES.onnx), bytes);
  model.dispose();
  return path.join(dir, RUN_FILES.onnx);
}

interface Row {
  runtime: string;
  note?: string;
  images: number;
  seconds: number;
  imagesPerSecond: number;
}

async function timeRuntime(name: RuntimeName, onnxPath: string, images: Float32Array, n: number, batch: number, threads?: number): Promise<Row> {
  const info = await readModelInfo(onnxPath);
  const rt = await createRuntime(name, onnxPath, { info, threads, backend: 'wasm' });
  await predictRaw(rt, info, images.subarray(0, batch * 784), Math.min(batch, n), { batchSize: batch }); // warm-up
  const t0 = performance.now();
  await predictRaw(rt, info, images, n, { batchSize: batch });
  const seconds = (performance.now() - t0) / 1000;
  await rt.dispose();
  return { runtime: rt.name, note: rt.note, images: n, seconds, imagesPerSecond: n / seconds };
}

interface WebThreadRow {
  threads: number;
  /** Which setting it stands for. */
  as: string;
  imagesPerSecond: number;
  rounds: number[];
  ratioTo1: number;
  load: number;
}

/** The web runtime at 1 thread, the default and every core, each in its own process. */
function webThreadScaling(onnxPath: string, args: Args): WebThreadRow[] {
  const cores = os.availableParallelism();
  const settings = [
    { threads: 1, as: '1 thread' },
    { threads: defaultOrtThreads(cores), as: 'default (every core)' },
  ];
  const rounds = new Map<number, number[]>(settings.map((s) => [s.threads, []]));
  const loads: number[] = [];
  for (let round = 0; round < 2; round++) {
    for (const threads of rounds.keys()) {
      const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--web-only', onnxPath, '--threads', String(threads), '--images', String(args.images), '--batch', String(args.batch)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        timeout: 600_000,
      });
      const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('WEB '));
      if (!line) throw new Error(`bench:eval: web child at ${threads} thread(s) gave no figure (exit ${r.status})`);
      rounds.get(threads)!.push((JSON.parse(line.slice(4)) as Row).imagesPerSecond);
      loads.push(os.loadavg()[0]);
    }
  }
  const best = (t: number) => Math.max(...rounds.get(t)!);
  const load = loads.reduce((a, b) => a + b, 0) / loads.length;
  return settings.map((s) => ({ ...s, imagesPerSecond: best(s.threads), rounds: rounds.get(s.threads)!, ratioTo1: best(s.threads) / best(1), load }));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { test } = await loadDataset('fashion-mnist');
  const n = Math.min(args.images, test.labels.length);
  const images = test.images.subarray(0, n * 784);
  if (args.webOnly) {
    const row = await timeRuntime('web', args.webOnly, images, n, args.batch, args.threads);
    process.stdout.write(`WEB ${JSON.stringify(row)}\n`);
    process.exit(0);
  }
  await useBackend('wasm');
  console.error(`bench:eval: exporting ${args.model}`);
  const onnxPath = await benchRun(args.model, test.classNames);

  const rows: Row[] = [];
  for (const name of args.runtimes) {
    const row = await timeRuntime(name, onnxPath, images, n, args.batch, args.threads);
    rows.push(row);
    console.error(`bench:eval: ${name}: ${row.imagesPerSecond.toFixed(1)} images/s`);
  }
  const webThreads = args.webThreads ? webThreadScaling(onnxPath, args) : undefined;

  let full: { runtimes: string[]; seconds: number; images: number; corruptionSamples: number; oodSamples: number } | undefined;
  if (args.full) {
    console.error(`bench:eval: full evaluate on ${args.fullRuntimes.join(',')} (all suites)`);
    const t0 = performance.now();
    const report = await evaluate({
      model: onnxPath,
      dataset: 'fashion-mnist',
      runtimes: args.fullRuntimes,
      batchSize: args.batch,
      corruptionSamples: DEFAULT_CORRUPTION_SAMPLES,
      oodSamples: DEFAULT_OOD_SAMPLES,
      threads: args.threads,
      tfjsBackend: 'wasm',
    });
    // Predictions made: the id set, every OOD set and every corruption x severity, per runtime.
    const count = report.runtimes.reduce(
      (k, r) => k + (r.suites.id?.n ?? 0) + (r.suites.ood ?? []).reduce((a, o) => a + o.n, 0) + (r.suites.corruptions?.results ?? []).reduce((a, c) => a + c.n, 0),
      0,
    );
    full = { runtimes: report.runtimes.map((r) => r.runtime), seconds: (performance.now() - t0) / 1000, images: count, corruptionSamples: DEFAULT_CORRUPTION_SAMPLES, oodSamples: DEFAULT_OOD_SAMPLES };
  }

  const cpus = os.cpus();
  const result = {
    model: args.model,
    dataset: 'fashion-mnist',
    batchSize: args.batch,
    threads: args.threads ?? 'default',
    machine: { cpus: cpus.length, cpuModel: cpus[0]?.model, loadAverage: os.loadavg(), node: process.version },
    throughput: rows,
    webThreads,
    fullEvaluate: full,
    createdAt: new Date().toISOString(),
  };
  await writeJsonAtomic(path.join('bench', 'results', 'eval.json'), result);
  const lines = [`${args.model} on Fashion-MNIST, ${n} test images, batch ${args.batch}`, '', '| runtime | images/s | seconds | note |', '| :--- | ---: | ---: | :--- |'];
  for (const r of rows) lines.push(`| ${r.runtime} | ${r.imagesPerSecond.toFixed(1)} | ${r.seconds.toFixed(2)} | ${r.note ?? ''} |`);
  if (webThreads) {
    lines.push('', `onnxruntime-web by threads (own process each, best of 2 rounds; mean load ${webThreads[0].load.toFixed(2)} on ${os.availableParallelism()} cores)`, '', '| threads | setting | images/s | x 1 thread |', '| ---: | :--- | ---: | ---: |');
    for (const w of webThreads) lines.push(`| ${w.threads} | ${w.as} | ${w.imagesPerSecond.toFixed(1)} | ${w.ratioTo1.toFixed(2)} |`);
  }
  if (full) lines.push('', `full evaluate (id + ood at <= ${full.oodSamples} images/set + corruptions at ${full.corruptionSamples} images/set) on ${full.runtimes.join(', ')}: ${full.seconds.toFixed(1)} s for ${full.images} image predictions`);
  console.log(lines.join('\n'));
  // tfjs's wasm backend keeps a worker thread alive; the bench is done.
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
