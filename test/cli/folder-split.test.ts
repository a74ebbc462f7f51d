/**
 * A folder dataset's test split is the run's, whatever is added to the folder later (issue 25
 * item 1), and a folder given only for evaluation is scored whole (item 6). Before, eval re-drew
 * the seeded 20% over the grown folder and scored the model on its own training images.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main.js';
import { clearDatasetCache, loadDataset } from '../../src/data/index.js';
import { idImage, writePng } from '../data/folder-fixtures.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'icmix-folder-split-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
process.env.ICMIX_CACHE_DIR = path.join(tmp, 'cache');
after(() => delete process.env.ICMIX_CACHE_DIR);

/** `n` colour images per class, ids from `start` (each image distinct). */
function writeImages(dir: string, n: number, start = 0): void {
  for (let i = start; i < start + n; i++) {
    writePng(path.join(dir, 'bright', `b${String(i).padStart(3, '0')}.png`), 8, 8, idImage(40 + i, 8, 8, true));
    writePng(path.join(dir, 'dark', `d${String(i).padStart(3, '0')}.png`), 8, 8, idImage(i, 8, 8, true));
  }
}

const readReport = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
let run = '';

test('files added to a run\'s folder are left out: eval scores the test split the run trained with', async () => {
  const data = path.join(tmp, 'pets');
  writeImages(data, 15);
  run = path.join(tmp, 'run');
  await main(['train', '--dataset', `folder:${data}`, '--model', 'mlp', '--epochs', '1', '--batch-size', '8', '--val-size', '4', '--backend', 'cpu', '--out', run, '--quiet']);
  await main(['export', run, '--quiet']);
  const model = path.join(run, 'model.onnx');
  const first = path.join(tmp, 'eval-1');
  await main(['eval', model, '--suite', 'id', '--bins', '3', '--quiet', '--out', first]);
  const before = readReport(first);
  assert.equal(before.dataset.testSize, 6); // round(20% of 15) = 3 per class

  writeImages(data, 2, 15); // two more per class
  clearDatasetCache();
  const second = path.join(tmp, 'eval-2');
  await main(['eval', model, '--suite', 'id', '--bins', '3', '--quiet', '--out', second]);
  const after = readReport(second);
  assert.equal(after.dataset.testSize, 6);
  assert.deepEqual(after.runtimes[0].suites.id, before.runtimes[0].suites.id);
  assert.match(after.dataset.testSplit, /20% of each class/);

  // The same images, not only as many: the run's record against the folder as it was.
  const shape = { imageSize: [8, 8], channels: 3 };
  const record = JSON.parse(readFileSync(path.join(run, 'data-files.json'), 'utf8'));
  assert.equal(record.files.length, 30);
  const notes: string[] = [];
  clearDatasetCache();
  const now = await loadDataset(`folder:${data}`, { ...shape, only: record.files, onProgress: (e) => e.message && notes.push(e.message) });
  rmSync(path.join(data, 'bright', 'b015.png'));
  rmSync(path.join(data, 'bright', 'b016.png'));
  rmSync(path.join(data, 'dark', 'd015.png'));
  rmSync(path.join(data, 'dark', 'd016.png'));
  clearDatasetCache();
  const then = await loadDataset(`folder:${data}`, shape);
  assert.deepEqual(now.test.images, then.test.images);
  assert.match(notes.join('\n'), /left out 4 files added since the run trained \(bright\/b015\.png/);

  // Calibrate still finds the run's validation split (it refused the grown folder before).
  writeImages(data, 2, 15);
  clearDatasetCache();
  await main(['calibrate', run, '--backend', 'cpu', '--bins', '3', '--quiet']);
  // A recorded file that is gone stops eval rather than re-drawing the split.
  rmSync(path.join(data, 'dark', 'd000.png'));
  clearDatasetCache();
  await assert.rejects(main(['eval', model, '--suite', 'id', '--quiet', '--out', path.join(tmp, 'eval-3')]), /1 of the 30 files the run trained with are no longer in .*dark\/d000\.png/);
});

test('a folder given for evaluation is scored whole: all of it, or its test/, which may stand alone', async () => {
  const model = path.join(run, 'model.onnx');
  const pred = path.join(tmp, 'pred');
  writeImages(pred, 10, 100);
  await main(['eval', model, '--dataset', `folder:${pred}`, '--suite', 'id', '--quiet', '--out', path.join(tmp, 'pred-out')]);
  const whole = readReport(path.join(tmp, 'pred-out'));
  assert.equal(whole.dataset.testSize, 20);
  assert.match(whole.dataset.testSplit, /^all 20 images of .*pred, an evaluation folder scored whole$/);
  assert.match(readFileSync(path.join(tmp, 'pred-out', 'report.md'), 'utf8'), /Test split: 20 images \(all 20 images of/);

  const onlyTest = path.join(tmp, 'only-test');
  writeImages(path.join(onlyTest, 'test'), 3, 200);
  await main(['eval', model, '--dataset', `folder:${onlyTest}`, '--suite', 'id', '--quiet', '--out', path.join(tmp, 'only-test-out')]);
  assert.equal(readReport(path.join(tmp, 'only-test-out')).dataset.testSize, 6);
  assert.match(readReport(path.join(tmp, 'only-test-out')).dataset.testSplit, /test\/ of /);

  const both = path.join(tmp, 'both');
  writeImages(path.join(both, 'train'), 5, 300);
  writeImages(path.join(both, 'test'), 4, 400);
  await main(['eval', model, '--dataset', `folder:${both}`, '--suite', 'id', '--quiet', '--out', path.join(tmp, 'both-out')]);
  assert.equal(readReport(path.join(tmp, 'both-out')).dataset.testSize, 8);
});
