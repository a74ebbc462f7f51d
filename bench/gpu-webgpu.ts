/**
 * ResNet-20 with ICM trained through WebGPU, then ORT's WebGPU provider timed on evaluation:
 * the Node half of bench/gpu-webgpu.sh (which packs it for a bare GPU machine and runs it there).
 *
 *   node --import tsx bench/gpu-webgpu.ts [--steps 300] [--batch 128] [--eval-images 2048] [--gpu-adapter NAME|INDEX]
 *
 * The data are random 28x28x1 images in an IDX folder (speed does not depend on content; the
 * machine it is meant for has no datasets and no network). Prints one JSON line per figure.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listAdapters } from '../src/backend/webgpu/adapters.js';
import { exportRun } from '../src/export/run.js';
import { readModelInfo } from '../src/infer/model-info.js';
import { predictRaw } from '../src/infer/predict.js';
import { createRuntime } from '../src/infer/runtimes/index.js';
import { train } from '../src/train/trainer.js';
import { writeIdxDataset } from '../test/infer/suites/fixtures.js';
import { arg } from './args.js';

const steps = Number(arg('steps', '300'));
const batch = Number(arg('batch', '128'));
const evalImages = Number(arg('eval-images', '2048'));
const gpuAdapter = arg('gpu-adapter', '') || undefined;

const say = (o: object) => console.log(JSON.stringify(o));
const adapters = await listAdapters();
say({ adapters });
const work = await fs.mkdtemp(path.join(os.tmpdir(), 'icmix-gpu-bench-'));
// Two epochs of steps/2: the second is timed once every shader is compiled.
const half = Math.max(1, Math.round(steps / 2));
const data = await writeIdxDataset({ h: 28, w: 28, classes: 10, train: half * batch + 256, test: evalImages, seed: 1 });
const out = path.join(work, 'run');
const run = await train(
  { dataset: `idx:${data}`, model: 'resnet20', method: 'icm', batchSize: batch, epochs: 2, maxStepsPerEpoch: half, valSize: 256, workers: 1, backend: 'webgpu', gpuAdapter, out },
  { onProgress: (e) => e.finished && e.message && console.error(e.message) },
);
const [first, second] = run.epochs;
say({ figure: 'train', engine: 'webgpu', adapter: run.manifest.versions.adapter, model: 'resnet20', method: 'icm', batch, steps: 2 * half, firstEpochImgPerSec: first.imagesPerSecond, imgPerSec: second.imagesPerSecond });

const exported = await exportRun(out, { verify: false });
const info = await readModelInfo(exported.path);
const images = Float32Array.from({ length: evalImages * 784 }, (_, i) => ((i * 2654435761) % 1000) / 1000);
for (const name of ['cpu', 'webgpu'] as const) {
  const rt = await createRuntime(name, exported.path, { info });
  await predictRaw(rt, info, images.subarray(0, 256 * 784), 256, { batchSize: 256 }); // shader compilation, session warm-up
  const t0 = performance.now();
  await predictRaw(rt, info, images, evalImages, { batchSize: 256 });
  const s = (performance.now() - t0) / 1000;
  say({ figure: 'eval', runtime: name, note: rt.note, images: evalImages, batch: 256, imgPerSec: evalImages / s });
  await rt.dispose();
}
await fs.rm(work, { recursive: true, force: true });
