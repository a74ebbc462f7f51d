/**
 * The small things of issue 25 ("what users expect"): help texts that match what the commands do,
 * export --quiet, an empty .onnx, a folder of one image per class, grey data for an RGB model,
 * and the wasm memory error naming --image-size.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { main } from '../../src/cli/main.js';
import { loadDataset } from '../../src/data/index.js';
import { convertChannels } from '../../src/data/channels.js';
import { evaluate } from '../../src/infer/evaluate.js';
import { argmaxRows } from '../../src/infer/metrics/index.js';
import { wasmEngine } from '../../src/backend/engines/wasm.js';
import { idImage, writePng } from '../data/folder-fixtures.js';
import { writeIdxDataset } from '../infer/suites/fixtures.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'icmix-small-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
before(() => (process.env.ICMIX_CACHE_DIR = path.join(tmp, 'cache')));
after(() => delete process.env.ICMIX_CACHE_DIR);
const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 120_000 });

test('serve --help and predict --help say images of any size are resized', () => {
  for (const cmd of ['serve', 'predict']) {
    const r = cli([cmd, '--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /must have the model's size(?!.*JSON)/);
    assert.match(r.stdout.replace(/\s+/g, ' '), /any size are resized to the model's input/);
  }
});

test('export --quiet prints only the file it wrote; an empty .onnx is named as empty', async () => {
  const data = path.join(tmp, 'pets');
  for (let i = 0; i < 6; i++) {
    writePng(path.join(data, 'a', `a${i}.png`), 8, 8, idImage(40 + i, 8, 8, true));
    writePng(path.join(data, 'b', `b${i}.png`), 8, 8, idImage(i, 8, 8, true));
  }
  const run = path.join(tmp, 'run');
  await main(['train', '--dataset', `folder:${data}`, '--model', 'mlp', '--epochs', '1', '--batch-size', '4', '--val-size', '2', '--backend', 'cpu', '--out', run, '--quiet']);
  const r = cli(['export', run, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /^wrote .*model\.onnx \(\d+ KiB\) in [\d.]+ s\n$/);

  const empty = path.join(tmp, 'empty.onnx');
  writeFileSync(empty, '');
  for (const args of [['eval', empty, '--dataset', `folder:${data}`], ['predict', empty, path.join(data, 'a', 'a0.png')]]) {
    const e = cli(args);
    assert.equal(e.status, 1);
    assert.match(e.stderr, /empty\.onnx is an empty file \(0 bytes\), not an ONNX model/);
  }
});

test('a folder of one image per class is refused at load, naming why, instead of a NaN test accuracy', async () => {
  const one = path.join(tmp, 'one');
  writePng(path.join(one, 'a', 'x.png'), 8, 8, idImage(1, 8, 8, true));
  writePng(path.join(one, 'b', 'y.png'), 8, 8, idImage(2, 8, 8, true));
  await assert.rejects(
    main(['train', '--dataset', `folder:${one}`, '--model', 'mlp', '--epochs', '1', '--backend', 'cpu', '--out', path.join(tmp, 'run-one'), '--quiet']),
    /holds 2 images, one per class, so no test images can be drawn/,
  );
  // Three per class: one is the test set, and 10% of the other four rounds to no validation image;
  // calibrate says so instead of blaming a --val-size 0 nobody gave.
  const three = path.join(tmp, 'three');
  for (let i = 0; i < 3; i++) {
    writePng(path.join(three, 'a', `a${i}.png`), 8, 8, idImage(40 + i, 8, 8, true));
    writePng(path.join(three, 'b', `b${i}.png`), 8, 8, idImage(i, 8, 8, true));
  }
  const run = path.join(tmp, 'run-three');
  await main(['train', '--dataset', `folder:${three}`, '--model', 'mlp', '--epochs', '1', '--backend', 'cpu', '--out', run, '--quiet']);
  await assert.rejects(main(['calibrate', run, '--backend', 'cpu', '--quiet']), (e: Error) => {
    assert.match(e.message, /held out no validation images \(its 4 training images are too few for the default share \(10%, rounded per class\) to hold any out\)/);
    assert.doesNotMatch(e.message, /--val-size 0/);
    return true;
  });
});

test('grey data for an RGB model is converted as serve converts it, with a note; the numbers are onnxruntime\'s on R = G = B', async () => {
  const model = path.join(tmp, 'rgb.onnx');
  const py = spawnSync('/usr/bin/python3', ['test/infer/fixtures/foreign_onnx.py', model, '--size', '8', '8', '--channels', '3', '--classes', '3', '--seed', '4'], { encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  const grey = await writeIdxDataset({ h: 8, w: 8, classes: 3, train: 6, test: 12, seed: 5 });
  const notes: string[] = [];
  const report = await evaluate({ model, dataset: `idx:${grey}`, suites: ['id'], overrides: { normalize: false }, onProgress: (e) => e.message && notes.push(e.message) });
  assert.match(notes.join('\n'), /have 1 channel\(s\), .*rgb\.onnx takes 3: converted as serve and predict convert image files \(grey repeated in R, G and B\)/);
  const test = (await loadDataset(`idx:${grey}`)).test;
  const n = test.labels.length;
  const x = new Float32Array(n * 3 * 64);
  for (let i = 0; i < n; i++) for (let ch = 0; ch < 3; ch++) for (let p = 0; p < 64; p++) x[(i * 3 + ch) * 64 + p] = test.images[i * 64 + p];
  const s = await ort.InferenceSession.create(model);
  const out = (await s.run({ input: new ort.Tensor('float32', x, [n, 3, 8, 8]) })).output.data as Float32Array;
  await s.release();
  const pred = argmaxRows(out, 3);
  const acc = pred.reduce((a, p, i) => a + (p === test.labels[i] ? 1 : 0), 0) / n;
  assert.equal(report.runtimes[0].suites.id!.accuracy, acc);
  // RGB to grey: the luma, or the value itself where R = G = B.
  const rgb = { images: Float32Array.from([0.2, 0.2, 0.2, 1, 0, 0]), labels: Int32Array.from([0]), shape: [1, 2, 3] as [number, number, number], numClasses: 1, classNames: ['x'] };
  const g = convertChannels(rgb, 1)!;
  assert.deepEqual(Array.from(g.images).map((v) => Math.round(v * 1e6) / 1e6), [0.2, 0.299]);
});

test('a step too large for the wasm heap names --image-size', () => {
  // A 640x480 RGB image through a small conv net: about 10 M floats of activations per image.
  assert.throws(() => wasmEngine.checkStep!({ batchSize: 128, activationFloats: 640 * 480 * 3 * 12, numClasses: 10, pairwise: true }), /--image-size HxW, e\.g\. --image-size 64x64/);
});
