import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import jpeg from 'jpeg-js';
import onnxProto from 'onnx-proto';
import { PNG } from 'pngjs';
import { useBackend } from '../../src/backend/select.js';
import { loadDataset } from '../../src/data/index.js';
import { resizeBilinear } from '../../src/image/index.js';
import { evaluate } from '../../src/infer/evaluate.js';
import { readModelInfo } from '../../src/infer/model-info.js';
import { predict } from '../../src/infer/predict.js';
import { listImageFiles, predictImages, type ImagePrediction } from '../../src/infer/predict-images.js';
import { createRuntime } from '../../src/infer/runtimes/index.js';
import { META } from '../../src/types.js';
import { RUN_FILES } from '../../src/run/index.js';
import { tinyRunDir, type TinySpec } from './runtimes/tiny-model.js';
import { writeIdxDataset } from './suites/fixtures.js';

const { onnx } = onnxProto;
before(() => useBackend('cpu'));

const spec: TinySpec = { shape: [8, 8, 1], classes: 3, normalization: { mean: [0.2], std: [0.3] }, hidden: 6 };

/** A grey image [h, w] in [0, 1] (exact multiples of 1/255) as PNG bytes. */
function png(gray: Float32Array, h: number, w: number): Buffer {
  const p = new PNG({ width: w, height: h });
  for (let i = 0; i < h * w; i++) {
    const v = Math.round(gray[i] * 255);
    p.data.set([v, v, v, 255], 4 * i);
  }
  return PNG.sync.write(p);
}

/** The run's model.onnx with an OOD threshold in its metadata, saved as the run's calibrated model. */
async function withThreshold(runDir: string, threshold: number): Promise<string> {
  const m = onnx.ModelProto.decode(await fs.readFile(path.join(runDir, RUN_FILES.onnx)));
  m.metadataProps.push(onnx.StringStringEntryProto.create({ key: META.oodThreshold, value: JSON.stringify({ score: 'msp', threshold, tpr: 0.95 }) }));
  const out = path.join(runDir, RUN_FILES.calibratedOnnx);
  await fs.writeFile(out, onnx.ModelProto.encode(m).finish());
  return out;
}

async function fixture() {
  const dataDir = await writeIdxDataset({ h: 8, w: 8, classes: 3, train: 6, test: 24 });
  const { runDir } = await tinyRunDir(spec);
  const test = (await loadDataset(`idx:${dataDir}`)).test;
  const imgDir = await fs.mkdtemp(path.join(os.tmpdir(), 'icmix-predict-'));
  const n = test.labels.length;
  const size = 64;
  // Two class-like subfolders, as a user's photo folder might be; names sort in image order.
  for (let i = 0; i < n; i++) {
    const sub = path.join(imgDir, i < n / 2 ? 'a' : 'b');
    await fs.mkdir(sub, { recursive: true });
    await fs.writeFile(path.join(sub, `img${String(i).padStart(3, '0')}.png`), png(test.images.subarray(i * size, (i + 1) * size), 8, 8));
  }
  return { dataDir, runDir, test, imgDir, n };
}

test('predict: PNG files give the probabilities the eval path gives on the same images, with top-k and the OOD flag', async () => {
  const { dataDir, runDir, test: set, imgDir, n } = await fixture();
  const files = await listImageFiles([imgDir]);
  assert.equal(files.length, n);
  assert.deepEqual(files, [...files].sort());

  // Uncalibrated model: no threshold, ood is null.
  const plain = await predictImages(path.join(runDir, RUN_FILES.onnx), [imgDir], { topK: 2, batchSize: 5 });
  const info = await readModelInfo(path.join(runDir, RUN_FILES.onnx));
  const rt = await createRuntime('cpu', path.join(runDir, RUN_FILES.onnx), { info });
  const ref = await predict(rt, info, set.images, n);
  await rt.dispose();
  let maxDiff = 0;
  plain.forEach((p, i) => {
    assert.ok(!('error' in p), JSON.stringify(p));
    if ('error' in p) return;
    assert.equal(p.ood, null);
    assert.equal(p.top.length, 2);
    assert.ok(p.top[0].probability >= p.top[1].probability);
    for (let k = 0; k < 3; k++) maxDiff = Math.max(maxDiff, Math.abs(p.probabilities[k] - ref.probs[i * 3 + k]));
  });
  assert.equal(maxDiff, 0, 'PNG decoding must give the same pixels as the dataset loader');

  // Top-1 accuracy over the PNGs equals the accuracy `icmix eval` reports on the dataset.
  const report = await evaluate({ model: path.join(runDir, RUN_FILES.onnx), dataset: `idx:${dataDir}`, suites: ['id'] });
  const correct = plain.filter((p, i) => !('error' in p) && p.index === set.labels[i]).length;
  assert.equal(correct / n, report.runtimes[0].suites.id!.accuracy);

  // A threshold in the metadata (as icmix calibrate writes it) sets the flag; the run folder
  // stands for its calibrated model.
  const conf = plain.map((p) => ('error' in p ? 0 : p.confidence)).sort((a, b) => a - b);
  const thr = conf[Math.floor(n / 2)];
  await withThreshold(runDir, thr);
  const cal = await predictImages(runDir, [imgDir], { topK: 5 });
  for (const p of cal) {
    assert.ok(!('error' in p));
    if ('error' in p) continue;
    assert.equal(p.ood, p.confidence < thr);
    assert.equal(p.top.length, 3, 'top-k is capped at the class count');
    assert.equal(p.label, 'class' + p.index);
  }
  assert.ok(cal.some((p) => !('error' in p) && p.ood) && cal.some((p) => !('error' in p) && p.ood === false));
});

test('predict: a file that is not an image gets an error entry and the rest go on; another size is resized as serve resizes it', async () => {
  const { runDir } = await tinyRunDir(spec);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'icmix-predict-bad-'));
  await fs.writeFile(path.join(dir, 'a-notes.png'), 'not an image');
  const ramp = Float32Array.from({ length: 100 }, (_, i) => ((i * 37) % 256) / 255);
  await fs.writeFile(path.join(dir, 'b-big.png'), png(ramp, 10, 10));
  const rgba = Buffer.alloc(8 * 8 * 4, 200);
  await fs.writeFile(path.join(dir, 'c-ok.jpg'), jpeg.encode({ data: rgba, width: 8, height: 8 }, 90).data);
  await fs.writeFile(path.join(dir, 'd-truncated.png'), png(new Float32Array(64).fill(0.5), 8, 8).subarray(0, 50));
  await fs.writeFile(path.join(dir, 'e-empty.png'), '');
  await fs.writeFile(path.join(dir, 'readme.txt'), 'skipped: not an image extension');
  const out: ImagePrediction[] = await predictImages(runDir, [dir]);
  assert.deepEqual(out.map((p) => path.basename(p.file)), ['a-notes.png', 'b-big.png', 'c-ok.jpg', 'd-truncated.png', 'e-empty.png']);
  const errors = out.map((p) => ('error' in p ? p.error : ''));
  assert.match(errors[0], /not a PNG, JPEG, WebP, GIF, TIFF or AVIF image/);
  // The 10x10 file is classified as its bilinear resize to 8x8 (web/resize.js) would be.
  assert.ok(!('error' in out[1]), errors[1]);
  const small = new PNG({ width: 8, height: 8 });
  small.data.set(resizeBilinear(PNG.sync.read(png(ramp, 10, 10)).data, 10, 10, 4, 8, 8));
  const dir8 = await fs.mkdtemp(path.join(os.tmpdir(), 'icmix-predict-8-'));
  await fs.writeFile(path.join(dir8, 'small.png'), PNG.sync.write(small));
  const [want] = await predictImages(runDir, [dir8]);
  assert.ok(!('error' in want) && !('error' in out[1]));
  if (!('error' in want) && !('error' in out[1])) assert.deepEqual(out[1].probabilities, want.probabilities);
  assert.ok(!('error' in out[2]));
  assert.match(errors[3], /^the file is not a valid PNG image \(.*\); re-save it as a PNG or JPEG file$/);
  assert.equal(errors[4], 'the file is empty');
  // The messages speak to a user with files, not to an HTTP client.
  for (const e of errors) assert.doesNotMatch(e, /request body|content-type|before sending/);
  await assert.rejects(listImageFiles([path.join(dir, 'missing')]), /cannot read .*missing.*ENOENT/);
});

test('icmix predict prints one JSON object or line per image, progress on stderr, exit 1 when one fails', async () => {
  const { runDir, imgDir, n } = await fixture();
  await fs.writeFile(path.join(imgDir, 'zz-broken.png'), 'nope');
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'predict', ...args], { encoding: 'utf8', timeout: 120_000 });
  const j = run([runDir, imgDir, '--json', '--top-k', '2', '--batch-size', '10']);
  assert.equal(j.status, 1, j.stderr);
  const lines = j.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, n + 1);
  assert.equal(lines[0].top.length, 2);
  assert.equal(lines[0].probabilities.length, 3);
  assert.match(lines[n].error, /not a PNG, JPEG, WebP, GIF, TIFF or AVIF image/);
  assert.match(j.stderr, /1 of 25 images could not be classified/);
  assert.match(j.stderr, /predict \[#+\.*\] 10\/25/);
  assert.match(j.stderr, /25 images on cpu/);
  const t = run([runDir, path.join(imgDir, 'a'), '--top-k', '1']);
  assert.equal(t.status, 0, t.stderr);
  const tl = t.stdout.trim().split('\n');
  assert.equal(tl.length, n / 2);
  assert.match(tl[0], /img000\.png {2}class\d \d+\.\d%$/);
  const bad = run([runDir, imgDir, '--top-k', '0']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--top-k must be an integer >= 1, got 0/);
});
