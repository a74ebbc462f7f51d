import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  FOLDER_TEST_FRACTION,
  classCounts,
  clearDatasetCache,
  loadDataset,
  parseImageSize,
  readImageFolder,
  shapeOptions,
  writeIdxFile,
  type FolderOptions,
} from '../../src/data/index.js';
import { rgbaToPixels as rgbaToFloat } from '../../web/preprocess.js';
import { resizeBilinear } from '../../src/image/index.js';
import { cellId } from '../../src/study/cells.js';
import { IcmixError } from '../../src/util/errors.js';
import type { ProgressEvent } from '../../src/util/progress-event.js';
import { idImage, rgba, writeClasses, writeJpeg, writePng } from './folder-fixtures.js';

const root = mkdtempSync(path.join(tmpdir(), 'icmix-folder-'));
test.after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
/** A fresh dataset folder and its own cache folder. */
function fresh(): { dir: string; cacheDir: string } {
  n++;
  return { dir: path.join(root, `ds${n}`), cacheDir: path.join(root, `cache${n}`) };
}
/** Options with a private cache and the progress events collected. */
function opts(cacheDir: string, extra: FolderOptions = {}): FolderOptions & { events: ProgressEvent[] } {
  const events: ProgressEvent[] = [];
  return { cacheDir, onProgress: (e) => events.push(e), events, ...extra };
}
/** The ids (see idImage) of a grey set's images, from their first pixel. */
function ids(images: Float32Array, per: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < images.length / per; i++) out.push(Math.round((images[i * per] * 255 - 10) / 3));
  return out;
}

test('resizeBilinear: half-pixel centres, clamped edges, rounded (hand-computed)', () => {
  // Up 2 -> 4: taps at -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
  assert.deepEqual([...resizeBilinear([0, 255], 1, 2, 1, 1, 4)], [0, 64, 191, 255]);
  // Down 4 -> 2: taps at 0.5 and 2.5, the means of each pair.
  assert.deepEqual([...resizeBilinear([0, 100, 200, 250], 1, 4, 1, 1, 2)], [50, 225]);
  // 2x2 -> 1x1 samples the centre: the mean of all four, per channel.
  assert.deepEqual([...resizeBilinear([0, 10, 20, 30, 40, 50, 60, 70], 2, 2, 2, 1, 1)], [30, 40]);
  // Same size is an exact copy; a constant image stays constant.
  const src = Uint8Array.from({ length: 5 * 3 * 4 }, (_, i) => (i * 37) % 256);
  assert.deepEqual(resizeBilinear(src, 5, 3, 4, 5, 3), src);
  assert.ok(resizeBilinear(new Uint8Array(7 * 9 * 3).fill(77), 7, 9, 3, 4, 13).every((v) => v === 77));
  assert.throws(() => resizeBilinear([1, 2, 3], 1, 2, 1, 1, 1), /3 values do not fit \[1, 2, 1\]/);
});

test('parseImageSize: HxW, a single side, and refusals naming the flag', () => {
  assert.deepEqual(parseImageSize('32x48'), [32, 48]);
  assert.deepEqual(parseImageSize('64'), [64, 64]);
  assert.deepEqual(parseImageSize([5, 6]), [5, 6]);
  assert.throws(() => parseImageSize('0x5'), /^IcmixError: --image-size must be a list of integers in 1\.\.4096, got \[0, 5\]/);
  assert.throws(() => parseImageSize('1x2x3'), /--image-size must be a list of integers in 1\.\.4096, two of them written HxW/);
});

test('class folders: sorted names are the classes; a seeded stratified 20% of each class is the test set', async () => {
  const { dir, cacheDir } = fresh();
  writeClasses(dir, ['zebra', 'ant', 'moth'], 10);
  writeFileSync(path.join(dir, 'zebra', 'notes.txt'), 'not an image');
  const o = opts(cacheDir);
  const d = await readImageFolder(dir, o);
  assert.deepEqual(d.train.classNames, ['ant', 'moth', 'zebra']);
  assert.equal(d.train.numClasses, 3);
  assert.deepEqual(d.train.shape, [8, 8, 1]);
  assert.deepEqual(classCounts(d.test), [2, 2, 2]);
  assert.deepEqual(classCounts(d.train), [8, 8, 8]);
  assert.equal(FOLDER_TEST_FRACTION, 0.2);
  assert.equal(d.val, undefined);
  assert.match(d.testSplit, /20% of each class \(seed 0, stratified\)/);
  // Labels follow the sorted names: 'ant' (written second, ids 10..19) is class 0.
  const per = 64;
  const trainIds = ids(d.train.images, per);
  const testIds = ids(d.test.images, per);
  for (const [i, id] of [...trainIds, ...testIds].entries()) {
    const y = i < trainIds.length ? d.train.labels[i] : d.test.labels[i - trainIds.length];
    assert.equal(y, ['ant', 'moth', 'zebra'].indexOf(['zebra', 'ant', 'moth'][Math.floor(id / 10)]), `image ${id}`);
  }
  // Disjoint, together every file once.
  assert.deepEqual([...trainIds, ...testIds].sort((a, b) => a - b), Array.from({ length: 30 }, (_, i) => i));
  // The split is a property of the folder: another load (fresh cache) draws the same test images.
  const again = await readImageFolder(dir, opts(path.join(cacheDir, 'other')));
  assert.deepEqual(ids(again.test.images, per), testIds);
  assert.ok(o.events.some((e) => /ignored files that are not images \(\.png, \.jpg, \.jpeg, .*\): 1 \.txt/.test(e.message ?? '')));
  assert.ok(o.events.some((e) => /most common size, 30 of 30 files/.test(e.message ?? '')));
  // Progress while building the cache.
  assert.ok(o.events.some((e) => /^decoding 30 images to 8x8/.test(e.task) && e.done === 30 && e.total === 30));
});

test('train/, val/ and test/ folders are the splits; loadDataset hands over the val set', async () => {
  const { dir, cacheDir } = fresh();
  writeClasses(path.join(dir, 'train'), ['cat', 'dog'], 5, { start: 0 });
  writeClasses(path.join(dir, 'val'), ['cat', 'dog'], 2, { start: 10 });
  writeClasses(path.join(dir, 'test'), ['cat', 'dog'], 3, { start: 14 });
  const d = await readImageFolder(dir, opts(cacheDir));
  assert.equal(d.testSplit, 'folders');
  assert.deepEqual(ids(d.train.images, 64), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(ids(d.val!.images, 64), [10, 11, 12, 13]);
  assert.deepEqual(ids(d.test.images, 64), [14, 15, 16, 17, 18, 19]);
  assert.deepEqual([...d.test.labels], [0, 0, 0, 1, 1, 1]);
  clearDatasetCache();
  const l = await loadDataset(`folder:${dir}`, { cacheDir, onProgress: () => {} });
  assert.equal(l.source, dir);
  assert.deepEqual(classCounts(l.val!), [2, 2]);
  assert.deepEqual(classCounts(l.test), [3, 3]);
});

test('resize: default the most common size, --image-size any other; pixels = resizeBilinear of the decoded RGBA', async () => {
  const { dir, cacheDir } = fresh();
  const odd = rgba(5, 3, (x, y) => [x * 50, y * 100, 200, 255]);
  writePng(path.join(dir, 'a', 'odd.png'), 5, 3, odd);
  for (const i of [0, 1]) writePng(path.join(dir, 'a', `p${i}.png`), 8, 6, idImage(i, 8, 6, true));
  for (const i of [2, 3]) writePng(path.join(dir, 'b', `p${i}.png`), 8, 6, idImage(i, 8, 6, true));
  const auto = await readImageFolder(dir, opts(cacheDir));
  assert.deepEqual(auto.train.shape, [6, 8, 3]);
  const d = await readImageFolder(dir, opts(cacheDir, { imageSize: [4, 10] }));
  assert.deepEqual(d.train.shape, [4, 10, 3]);
  const all = [d.train, d.test];
  // 'odd.png' is class a's first file; find it among the sets by its blue channel (200).
  const per = 4 * 10 * 3;
  const want = rgbaToFloat(resizeBilinear(odd, 3, 5, 4, 4, 10), 40, 3);
  const found = all.flatMap((s) => Array.from({ length: s.labels.length }, (_, i) => s.images.subarray(i * per, (i + 1) * per))).filter((im) => Math.abs(im[2] - 200 / 255) < 1e-6);
  assert.equal(found.length, 1);
  assert.deepEqual(found[0], want);
});

test('channels: grey files give 1, colour 3; --channels converts (BT.601 luma, grey repeated)', async () => {
  const grey = fresh();
  writeClasses(grey.dir, ['a', 'b'], 3);
  const one = await readImageFolder(grey.dir, opts(grey.cacheDir));
  assert.equal(one.train.shape[2], 1);
  const three = await readImageFolder(grey.dir, opts(grey.cacheDir, { channels: 3 }));
  assert.equal(three.train.shape[2], 3);
  for (let i = 0; i < 64; i++) {
    const v = one.train.images[i];
    assert.deepEqual([...three.train.images.subarray(3 * i, 3 * i + 3)], [v, v, v]);
  }
  const colour = fresh();
  writeClasses(colour.dir, ['a', 'b'], 3, { colour: true });
  const c3 = await readImageFolder(colour.dir, opts(colour.cacheDir));
  assert.equal(c3.train.shape[2], 3);
  const c1 = await readImageFolder(colour.dir, opts(colour.cacheDir, { channels: 1 }));
  assert.equal(c1.train.shape[2], 1);
  const [r, g, b] = c3.train.images.subarray(0, 3);
  assert.ok(Math.abs(c1.train.images[0] - (0.299 * r + 0.587 * g + 0.114 * b)) < 1e-6);
  await assert.rejects(readImageFolder(colour.dir, opts(colour.cacheDir, { channels: 2 })), /channels must be an integer: one of 1, 3, got 2/);
});

test('JPEG files decode alongside PNG ones', async () => {
  const { dir, cacheDir } = fresh();
  const px = rgba(8, 8, (x, y) => [100 + x * 10, 50 + y * 5, 30, 255]);
  for (const i of [0, 1, 2]) writeJpeg(path.join(dir, 'a', `j${i}.jpg`), 8, 8, px);
  writeJpeg(path.join(dir, 'b', 'J.JPEG'), 8, 8, px);
  writePng(path.join(dir, 'b', 'p.png'), 8, 8, px);
  writePng(path.join(dir, 'b', 'q.png'), 8, 8, px);
  const d = await readImageFolder(dir, opts(cacheDir));
  assert.deepEqual(d.train.shape, [8, 8, 3]);
  assert.equal(d.train.labels.length + d.test.labels.length, 6);
  assert.equal(d.skipped.length, 0);
  // Quality 100 JPEG is within a few levels of the PNG of the same pixels.
  const want = rgbaToFloat(px, 64, 3);
  for (const s of [d.train, d.test]) {
    for (let i = 0; i < s.labels.length; i++) {
      const im = s.images.subarray(i * 192, (i + 1) * 192);
      assert.ok(im.every((v, k) => Math.abs(v - want[k]) < 8 / 255));
    }
  }
});

test('cache: the second load decodes nothing and leaves the cache file alone; changing a file rebuilds', async () => {
  const { dir, cacheDir } = fresh();
  writeClasses(dir, ['a', 'b'], 4);
  const first = await readImageFolder(dir, opts(cacheDir));
  assert.equal(first.cache.hit, false);
  assert.equal(first.cache.decoded, 8);
  assert.ok(first.cache.file.startsWith(cacheDir));
  const before = statSync(first.cache.file).mtimeMs;
  const o = opts(cacheDir);
  const second = await readImageFolder(dir, o);
  assert.equal(second.cache.hit, true);
  assert.equal(second.cache.decoded, 0);
  assert.ok(!o.events.some((e) => /^(decoding|reading)/.test(e.task)), 'no decode or header pass');
  assert.equal(statSync(second.cache.file).mtimeMs, before);
  assert.deepEqual(second.train.images, first.train.images);
  assert.deepEqual(second.test.labels, first.test.labels);
  // The explicit size equal to the default shares the same pixels.
  const explicit = await readImageFolder(dir, opts(cacheDir, { imageSize: [8, 8] }));
  assert.equal(explicit.cache.hit, true);
  // A changed file (new content, new mtime) is a new cache entry.
  const f = path.join(dir, 'a', 'img000.png');
  writePng(f, 8, 8, idImage(40), true);
  utimesSync(f, new Date(), new Date(Date.now() + 5000));
  const third = await readImageFolder(dir, opts(cacheDir));
  assert.equal(third.cache.hit, false);
  assert.equal(third.cache.decoded, 8);
  assert.ok(ids(third.train.images, 64).concat(ids(third.test.images, 64)).includes(40));
  // A damaged cache entry is rebuilt, not trusted.
  writeFileSync(third.cache.file, 'garbage');
  const fourth = await readImageFolder(dir, opts(cacheDir));
  assert.equal(fourth.cache.hit, false);
  assert.deepEqual(fourth.train.images, third.train.images);
});

test('bad files: skipped with a count and their names; --strict stops at them', async () => {
  const { dir, cacheDir } = fresh();
  writeClasses(dir, ['a', 'b'], 4);
  writeFileSync(path.join(dir, 'a', 'broken.png'), Buffer.from('not really a png'));
  // A valid header with a damaged body: only the decode pass finds it.
  const good = readFileSync(path.join(dir, 'b', 'img000.png'));
  writeFileSync(path.join(dir, 'b', 'cut.png'), good.subarray(0, 40));
  writeFileSync(path.join(dir, 'b', 'empty.jpg'), Buffer.alloc(0));
  const o = opts(cacheDir);
  const d = await readImageFolder(dir, o);
  assert.deepEqual(d.skipped.map((b) => b.rel).sort(), ['a/broken.png', 'b/cut.png', 'b/empty.jpg']);
  assert.equal(d.train.labels.length + d.test.labels.length, 8);
  const note = o.events.map((e) => e.message ?? '').find((m) => /skipped 3 files that would not decode/.test(m));
  assert.ok(note, 'the skip note');
  assert.match(note!, /a\/broken\.png \(the file is not a PNG, JPEG, WebP, GIF, TIFF or AVIF image \(its first bytes match none of their signatures\)/);
  assert.match(note!, /b\/empty\.jpg \(the file is empty[;)]/);
  assert.match(note!, /pass --strict to stop on them instead/);
  // Strict: stops, names the file, also when the cache already knows the bad files.
  await assert.rejects(readImageFolder(dir, opts(cacheDir, { strict: true })), (e: Error) => {
    assert.ok(e instanceof IcmixError);
    assert.match(e.message, /broken\.png does not decode \(the file is not a PNG, JPEG, .*\); fix or remove it, or drop --strict/);
    return true;
  });
  await assert.rejects(readImageFolder(dir, opts(path.join(cacheDir, 'new'), { strict: true })), /a\/broken\.png does not decode/);
  // Many bad files: the first five are named, the rest counted.
  for (let i = 0; i < 7; i++) writeFileSync(path.join(dir, 'a', `zz${i}.jpg`), 'x');
  const o2 = opts(cacheDir);
  await readImageFolder(dir, o2);
  assert.ok(o2.events.some((e) => /skipped 10 files .*, and 5 more; pass --strict/.test(e.message ?? '')));
});

test('errors name the folder: empty class, class in one split only, a single class, no classes, stray folders', async () => {
  const cases: Array<[string, (dir: string) => void, RegExp]> = [
    ['empty class', (d) => (writeClasses(d, ['a', 'b'], 2), mkdirSync(path.join(d, 'c'))), /class folder .*\/c holds no \.png\/\.jpg\/\.jpeg\/.*\.bmp files; add its images or remove the folder/],
    ['only non-images', (d) => (writeClasses(d, ['a'], 2), mkdirSync(path.join(d, 'b')), writeFileSync(path.join(d, 'b', 'x.txt'), 'text')), /class folder .*\/b holds no/],
    ['single class', (d) => writeClasses(d, ['only'], 3), /holds one class folder \(only\); a classifier needs at least 2 classes/],
    ['no classes', (d) => (mkdirSync(d, { recursive: true }), writeFileSync(path.join(d, 'a.png'), '')), /ds\d+ holds no class folders/],
    ['class only in test', (d) => (writeClasses(path.join(d, 'train'), ['a', 'b'], 2), writeClasses(path.join(d, 'test'), ['a', 'b', 'c'], 1)), /test\/c is a class only in test\/, not in .*train; add it to train\/ or remove it/],
    ['class missing from test', (d) => (writeClasses(path.join(d, 'train'), ['a', 'b'], 2), writeClasses(path.join(d, 'test'), ['a'], 1)), /class b \(.*train\/b\) has no folder in .*test; every split needs the same class folders/],
    ['class missing from val', (d) => (writeClasses(path.join(d, 'train'), ['a', 'b'], 2), writeClasses(path.join(d, 'val'), ['b'], 1)), /class a \(.*train\/a\) has no folder in .*val/],
    ['test without train', (d) => writeClasses(path.join(d, 'test'), ['a', 'b'], 1), /has test\/ but no train\//],
    ['stray folder', (d) => (writeClasses(path.join(d, 'train'), ['a', 'b'], 2), writeClasses(d, ['extra'], 1)), /mixes split folders \(train\) with other folders \(extra\)/],
    ['missing folder', () => {}, /ds\d+ does not exist; pass the folder that holds one subfolder per class/],
  ];
  for (const [what, make, re] of cases) {
    const { dir, cacheDir } = fresh();
    make(dir);
    await assert.rejects(readImageFolder(dir, opts(cacheDir)), (e: Error) => {
      assert.ok(e instanceof IcmixError, what);
      assert.match(e.message, re, what);
      assert.ok(e.message.includes(dir), `${what}: names the folder`);
      return true;
    });
  }
  // A class whose every file fails to decode has no images: an error naming its folder.
  const { dir, cacheDir } = fresh();
  writeClasses(dir, ['a'], 2);
  mkdirSync(path.join(dir, 'b'));
  writeFileSync(path.join(dir, 'b', 'x.png'), 'broken');
  await assert.rejects(readImageFolder(dir, opts(cacheDir, { imageSize: [8, 8] })), /none of the images in .*\/b decode, so the class has no images/);
  await assert.rejects(loadDataset('folder:', {}), /folder:<dir> needs a folder/);
});

test('loadDataset: folder:<dir> registered, options reach it; fixed-size datasets refuse another size; shapeOptions; cell ids', async () => {
  const { dir, cacheDir } = fresh();
  writeClasses(dir, ['a', 'b'], 5);
  clearDatasetCache();
  const d = await loadDataset(`folder:${dir}`, { cacheDir, imageSize: [4, 4], channels: 3, onProgress: () => {} });
  assert.deepEqual(d.train.shape, [4, 4, 3]);
  // --data-dir overrides the folder in the name, as for idx:.
  const e = await loadDataset('folder:/nowhere', { dir, cacheDir, onProgress: () => {} });
  assert.deepEqual(e.train.shape, [8, 8, 1]);
  const idx = path.join(root, 'idx');
  await writeIdxFile(path.join(idx, 'train-images-idx3-ubyte'), new Uint8Array(4 * 9), [4, 3, 3]);
  await writeIdxFile(path.join(idx, 'train-labels-idx1-ubyte'), Uint8Array.from([0, 1, 0, 1]), [4]);
  await writeIdxFile(path.join(idx, 't10k-images-idx3-ubyte'), new Uint8Array(2 * 9), [2, 3, 3]);
  await writeIdxFile(path.join(idx, 't10k-labels-idx1-ubyte'), Uint8Array.from([0, 1]), [2]);
  await assert.rejects(loadDataset(`idx:${idx}`, { imageSize: [5, 5] }), /idx:.* images are 3x3; --image-size 5x5 resizes only folder:<dir> datasets, so drop it/);
  await assert.rejects(loadDataset(`idx:${idx}`, { channels: 3 }), /images have 1 channel; --channels 3 applies only to folder:<dir> datasets/);
  assert.deepEqual((await loadDataset(`idx:${idx}`, { imageSize: [3, 3], channels: 1 })).train.shape, [3, 3, 1]);
  assert.deepEqual(shapeOptions(`folder:${dir}`, [32, 24, 3]), { imageSize: [32, 24], channels: 3 });
  assert.deepEqual(shapeOptions('fashion-mnist', [28, 28, 1]), {});
  assert.equal(cellId('folder:./my pets/v2', 'balanced', 'icm', 0), 'folder-.-my-pets-v2_balanced_icm_seed0');
  assert.equal(cellId('fashion-mnist', 'balanced', 'icm', 0), 'fashion-mnist_balanced_icm_seed0');
});
