/**
 * Export benchmark: for the CIFAR ResNets (20/32/56, 32x32x3, 10 classes) the export time and
 * file size, then inference throughput (images/s) at batch 1 and 256 in onnxruntime-node (CPU)
 * next to tfjs (wasm backend) on the same model and the same inputs, and their max |diff|.
 *
 *   npm run bench:export -- [--models resnet20,resnet32,resnet56] [--seconds 2] [--big-runs 3]
 *
 * Prints a table and writes bench/results/export.json.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { useBackend } from '../src/backend/select.js';
import { exportOnnx, inspectOnnx } from '../src/export/index.js';
import { buildModel } from '../src/train/models/index.js';
import { writeJsonAtomic } from '../src/util/atomic.js';
import { Rng } from '../src/util/rng.js';
import { median } from './args.js';

const SHAPE = [32, 32, 3];
const CLASSES = 10;

interface Args {
  models: string[];
  seconds: number;
  bigRuns: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { models: ['resnet20', 'resnet32', 'resnet56'], seconds: 2, bigRuns: 3 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--models') a.models = argv[++i].split(',');
    else if (argv[i] === '--seconds') a.seconds = Number(argv[++i]);
    else if (argv[i] === '--big-runs') a.bigRuns = Number(argv[++i]);
    else throw new Error(`bench:export: unknown argument ${argv[i]}`);
  }
  return a;
}

/** Runs `step` (one batch) repeatedly: at least `minRuns` and `seconds`; returns images/s over the timed runs. */
async function throughput(step: () => Promise<void>, batch: number, seconds: number, minRuns: number): Promise<number> {
  await step(); // warm-up
  let runs = 0;
  const start = performance.now();
  while (runs < minRuns || performance.now() - start < seconds * 1000) {
    await step();
    runs++;
  }
  return (runs * batch) / ((performance.now() - start) / 1000);
}

interface Row {
  model: string;
  parameters: number;
  nodes: number;
  exportMs: number;
  bytes: number;
  ortImagesPerSec: { batch1: number; batch256: number };
  tfjsImagesPerSec: { batch1: number; batch256: number };
  maxAbsDiff: number;
}

async function benchModel(name: string, args: Args, rng: Rng): Promise<Row> {
  const model: tfl.LayersModel = buildModel(name, SHAPE as [number, number, number], CLASSES, { seed: 1 });
  const times: number[] = [];
  let bytes: Uint8Array = new Uint8Array();
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    bytes = exportOnnx(model);
    times.push(performance.now() - t);
  }
  const summary = inspectOnnx(bytes);
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' });
  const per = SHAPE.reduce((a, b) => a * b, 1);
  const x256 = Float32Array.from({ length: 256 * per }, () => rng.normal());
  const x1 = x256.slice(0, per);
  const feeds = (x: Float32Array, n: number) => ({ [session.inputNames[0]]: new ort.Tensor('float32', x, [n, ...SHAPE]) });
  const ortRun = (x: Float32Array, n: number) => async () => {
    await session.run(feeds(x, n));
  };
  const tfRun = (x: Float32Array, n: number) => async () => {
    const y = tf.tidy(() => model.predict(tf.tensor(x, [n, ...SHAPE])) as tf.Tensor);
    await y.data();
    y.dispose();
  };
  process.stderr.write(`bench:export: ${name}: onnxruntime...\n`);
  const ort1 = await throughput(ortRun(x1, 1), 1, args.seconds, 10);
  const ort256 = await throughput(ortRun(x256, 256), 256, 0, args.bigRuns);
  process.stderr.write(`bench:export: ${name}: tfjs ${tf.getBackend()}...\n`);
  const tf1 = await throughput(tfRun(x1, 1), 1, args.seconds, 10);
  const tf256 = await throughput(tfRun(x256, 256), 256, 0, args.bigRuns);

  const got = (await session.run(feeds(x256, 256)))[session.outputNames[0]].data as Float32Array;
  const want = tf.tidy(() => (model.predict(tf.tensor(x256, [256, ...SHAPE])) as tf.Tensor).dataSync());
  let maxAbsDiff = 0;
  for (let i = 0; i < got.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(got[i] - want[i]));
  await session.release();
  model.dispose();
  return {
    model: name,
    parameters: summary.parameterCount,
    nodes: summary.nodeCount,
    exportMs: median(times),
    bytes: bytes.length,
    ortImagesPerSec: { batch1: ort1, batch256: ort256 },
    tfjsImagesPerSec: { batch1: tf1, batch256: tf256 },
    maxAbsDiff,
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const backend = await useBackend('wasm');
  const rng = new Rng(0);
  const rows: Row[] = [];
  for (const name of args.models) rows.push(await benchModel(name, args, rng));

  const f = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  const header = ['model', 'params', 'nodes', 'export ms', 'size KiB', 'ORT b1 img/s', 'ORT b256 img/s', `tfjs-${backend.name} b1 img/s`, `tfjs-${backend.name} b256 img/s`, 'max |diff|'];
  const table = [
    header,
    ...rows.map((r) => [
      r.model,
      r.parameters.toLocaleString('en-US'),
      String(r.nodes),
      r.exportMs.toFixed(1),
      (r.bytes / 1024).toFixed(0),
      f(r.ortImagesPerSec.batch1),
      f(r.ortImagesPerSec.batch256),
      f(r.tfjsImagesPerSec.batch1),
      f(r.tfjsImagesPerSec.batch256),
      r.maxAbsDiff.toExponential(1),
    ]),
  ];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
  for (const row of table) console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));

  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results', 'export.json');
  await writeJsonAtomic(out, {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, platform: `${os.platform()} ${os.arch()}` },
    inputShape: SHAPE,
    classes: CLASSES,
    runtimes: { ort: `onnxruntime-node ${ort.env.versions.node ?? ''}`.trim(), tfjs: `tfjs ${tf.version_core} ${backend.name}${backend.threads ? ` (${backend.threads} threads)` : ''}` },
    note: 'untrained seeded weights; random normal inputs; batch-1 figures over >= --seconds, batch-256 over --big-runs runs after one warm-up',
    results: rows,
  });
  console.log(`wrote ${out}`);
  // Nothing a backend started should hold the bench open.
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
