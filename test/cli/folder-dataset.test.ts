import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main.js';
import { clearDatasetCache } from '../../src/data/index.js';
import { calibrateRun } from '../../src/infer/calibrate.js';
import { expandStudy } from '../../src/study/cells.js';
import { idImage, writePng } from '../data/folder-fixtures.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'icmix-folder-cli-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

/** Two colour classes told apart by brightness, 12 images each, 10x12 pixels. */
function writeTiny(dir: string): void {
  for (let i = 0; i < 12; i++) {
    writePng(path.join(dir, 'bright', `b${i}.png`), 12, 10, idImage(50 + (i % 20), 12, 10, true));
    writePng(path.join(dir, 'dark', `d${i}.png`), 12, 10, idImage(i, 12, 10, true));
  }
}

test('icmix train --dataset folder:<dir> --image-size 8x8 trains one epoch; calibrate and eval reuse the size and the cache', async () => {
  const data = path.join(tmp, 'pets');
  writeTiny(data);
  const cache = path.join(tmp, 'cache');
  process.env.ICMIX_CACHE_DIR = cache;
  try {
    const run = path.join(tmp, 'run');
    await main(['train', '--dataset', `folder:${data}`, '--image-size', '8x8', '--model', 'mlp', '--epochs', '1', '--batch-size', '8', '--val-size', '4', '--backend', 'cpu', '--out', run, '--quiet']);
    const manifest = JSON.parse(readFileSync(path.join(run, 'manifest.json'), 'utf8'));
    assert.deepEqual(manifest.inputShape, [8, 8, 3]);
    assert.deepEqual(manifest.classNames, ['bright', 'dark']);
    assert.equal(manifest.dataset.name, `folder:${data}`);
    assert.deepEqual(manifest.config.imageSize, [8, 8]);
    // 24 images: round(20% of 12) = 2 of each class are the test set, 4 of the rest validation.
    assert.equal(manifest.dataset.testSize, 4);
    assert.equal(manifest.dataset.valSize, 4);
    assert.equal(manifest.dataset.trainSize, 16);
    assert.equal(readdirSync(cache).filter((f) => f.endsWith('.bin')).length, 1);

    // Calibrate regenerates the split at the run's input shape from the same cache entry.
    clearDatasetCache();
    // The library calibrates an exported graph; the CLI exports a never-exported run itself,
    // into a scratch folder (the run gets no model.onnx it did not ask for).
    await assert.rejects(calibrateRun(run, { backend: 'cpu' }), /model\.onnx does not exist: calibration edits the exported graph\. Export the run first/);
    await main(['calibrate', run, '--backend', 'cpu', '--bins', '3', '--quiet']);
    assert.ok(existsSync(path.join(run, 'model.calibrated.onnx')));
    assert.ok(!existsSync(path.join(run, 'model.onnx')));
    assert.equal(readdirSync(cache).filter((f) => f.endsWith('.bin')).length, 1, 'no second decode for calibrate');

    // Eval takes the dataset from the model's metadata and decodes at the model's size.
    clearDatasetCache();
    await main(['eval', path.join(run, 'model.calibrated.onnx'), '--suite', 'id', '--bins', '3', '--quiet']);
    const report = JSON.parse(readFileSync(path.join(run, 'report.json'), 'utf8'));
    assert.equal(report.runtimes[0].suites.id.n, 4);
  } finally {
    delete process.env.ICMIX_CACHE_DIR;
  }
});

test('a val/ folder is the validation set: train holds nothing more out, calibrate fits on it', async () => {
  const data = path.join(tmp, 'split');
  for (const [split, n] of [['train', 8], ['val', 3], ['test', 2]] as const) {
    for (let i = 0; i < n; i++) {
      writePng(path.join(data, split, 'bright', `b${i}.png`), 6, 6, idImage(50 + i, 6, 6), true);
      writePng(path.join(data, split, 'dark', `d${i}.png`), 6, 6, idImage(i, 6, 6), true);
    }
  }
  process.env.ICMIX_CACHE_DIR = path.join(tmp, 'cache2');
  try {
    const run = path.join(tmp, 'run-split');
    await main(['train', '--dataset', `folder:${data}`, '--model', 'mlp', '--epochs', '1', '--batch-size', '4', '--backend', 'cpu', '--out', run, '--quiet']);
    const manifest = JSON.parse(readFileSync(path.join(run, 'manifest.json'), 'utf8'));
    assert.deepEqual(manifest.inputShape, [6, 6, 1]);
    assert.deepEqual([manifest.dataset.trainSize, manifest.dataset.valSize, manifest.dataset.testSize], [16, 6, 4]);
    assert.match(manifest.dataset.protocol.valSplit, /val\//);
    clearDatasetCache();
    // Calibrate refuses a regenerated split whose sizes differ from the manifest's, so passing means it used val/.
    await main(['calibrate', run, '--backend', 'cpu', '--bins', '3', '--quiet']);
    const cal = JSON.parse(readFileSync(path.join(run, 'calibration.json'), 'utf8'));
    assert.equal(cal.fitSplit, 'val');
  } finally {
    delete process.env.ICMIX_CACHE_DIR;
  }
});

test('icmix train: a folder dataset error names the folder; --image-size on a fixed dataset is refused', async () => {
  const one = path.join(tmp, 'one-class');
  writePng(path.join(one, 'only', 'a.png'), 4, 4, idImage(0, 4, 4));
  await assert.rejects(main(['train', '--dataset', `folder:${one}`, '--out', path.join(tmp, 'r1'), '--quiet']), new RegExp(`${one}.*holds one class folder \\(only\\)`));
  await assert.rejects(main(['train', '--dataset', 'mnist', '--image-size', '32x32', '--epochs', '1', '--out', path.join(tmp, 'r2'), '--quiet']), /mnist images are 28x28; --image-size 32x32 resizes only folder:<dir> datasets/);
});

test('study files accept folder:<dir> datasets and the folder options', () => {
  const study = expandStudy({
    name: 's',
    datasets: [`folder:${path.join(tmp, 'pets')}`],
    protocols: ['balanced'],
    methods: ['icm'],
    seeds: [0],
    model: 'mlp',
    epochs: 1,
    train: { imageSize: [8, 8], channels: 1 },
  });
  assert.deepEqual(study.cells[0].train.imageSize, [8, 8]);
  assert.equal(study.cells[0].train.channels, 1);
  assert.ok(!study.cells[0].id.includes('/'), study.cells[0].id);
});

test('icmix eval --strict stops at a file that does not decode (the skip note tells users to pass it)', async () => {
  const data = path.join(tmp, 'strict-eval');
  writeTiny(data);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(path.join(data, 'dark', 'zz-empty.png'), new Uint8Array(0));
  const { tinyOnnx } = await import('../infer/runtimes/tiny-model.js');
  const model = path.join(tmp, 'strict-eval.onnx');
  writeFileSync(model, tinyOnnx({ shape: [10, 12, 3], classes: 2, noMetadata: true }));
  process.env.ICMIX_CACHE_DIR = path.join(tmp, 'cache-strict');
  try {
    clearDatasetCache();
    await assert.rejects(
      main(['eval', model, '--dataset', `folder:${data}`, '--suite', 'id', '--strict', '--no-normalize', '--quiet', '--out', path.join(tmp, 'strict-out')]),
      /zz-empty\.png does not decode \(the file is empty\)/,
    );
    // Without it the file is skipped and the rest evaluated.
    clearDatasetCache();
    await main(['eval', model, '--dataset', `folder:${data}`, '--suite', 'id', '--no-normalize', '--quiet', '--out', path.join(tmp, 'strict-out')]);
    assert.ok(existsSync(path.join(tmp, 'strict-out', 'report.json')));
  } finally {
    delete process.env.ICMIX_CACHE_DIR;
  }
});

test('--quiet eval, calibrate (a model made elsewhere or a run) and train print nothing on stderr while decoding a folder', async () => {
  const data = path.join(tmp, 'quiet');
  writeTiny(data);
  const { writeFileSync } = await import('node:fs');
  const { tinyOnnx } = await import('../infer/runtimes/tiny-model.js');
  const model = path.join(tmp, 'quiet.onnx');
  writeFileSync(model, tinyOnnx({ shape: [10, 12, 3], classes: 2, noMetadata: true }));
  const written: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => (written.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    for (const argv of [
      ['eval', model, '--dataset', `folder:${data}`, '--suite', 'id', '--no-normalize', '--quiet', '--out', path.join(tmp, 'quiet-out')],
      ['calibrate', model, '--dataset', `folder:${data}`, '--val-size', '4', '--no-normalize', '--quiet'],
      ['train', '--dataset', `folder:${data}`, '--model', 'mlp', '--epochs', '1', '--batch-size', '8', '--val-size', '4', '--backend', 'cpu', '--out', path.join(tmp, 'quiet-run'), '--quiet'],
      ['calibrate', path.join(tmp, 'quiet-run'), '--backend', 'cpu', '--quiet'],
    ]) {
      process.env.ICMIX_CACHE_DIR = path.join(tmp, `cache-quiet-${argv[0]}-${argv.length}`); // a fresh cache: the folder is decoded
      clearDatasetCache();
      await main(argv);
    }
  } finally {
    process.stderr.write = write;
    delete process.env.ICMIX_CACHE_DIR;
  }
  assert.deepEqual(written, []);
});
