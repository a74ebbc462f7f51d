import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { clearDatasetCache, encodeCifarRecords, loadDataset, parseCifarRecords, readCifar10, readCifar100 } from '../../src/data/index.js';
import { IcmixError } from '../../src/util/errors.js';

const root = mkdtempSync(path.join(tmpdir(), 'icmix-cifar-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

/** A value that differs by record, plane, row and column so any layout mix-up shows. */
const val = (rec: number, ch: number, y: number, x: number) => (rec * 37 + ch * 71 + y * 5 + x * 3) % 256;

/** One record written by hand the way the format describes: label byte(s), then R, G, B planes row-major. */
function record(rec: number, labelBytes: number[]): number[] {
  const out = [...labelBytes];
  for (let ch = 0; ch < 3; ch++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) out.push(val(rec, ch, y, x));
  return out;
}

function checkPixels(images: Float32Array, rec: number, recInFile: number) {
  for (const [y, x] of [[0, 0], [0, 31], [5, 7], [31, 0], [31, 31]]) {
    for (let ch = 0; ch < 3; ch++) {
      const at = ((rec * 32 + y) * 32 + x) * 3 + ch; // NHWC
      assert.equal(images[at], Math.fround(val(recInFile, ch, y, x) / 255), `image ${rec} y${y} x${x} c${ch}`);
    }
  }
}

test('CIFAR-10 records become NHWC [0,1] floats with their labels', () => {
  const buf = Uint8Array.from([...record(0, [3]), ...record(1, [9])]);
  const { images, labels } = parseCifarRecords(buf, 'b.bin', 1, 0, 10);
  assert.deepEqual([...labels], [3, 9]);
  assert.equal(images.length, 2 * 32 * 32 * 3);
  checkPixels(images, 0, 0);
  checkPixels(images, 1, 1);
});

test('encodeCifarRecords is the inverse of parsing', () => {
  const buf = Uint8Array.from([...record(0, [1, 42]), ...record(1, [19, 99])]);
  const { images } = parseCifarRecords(buf, 'c.bin', 2, 1, 100);
  const bytes = Uint8Array.from(images, (v) => Math.round(v * 255));
  assert.deepEqual(encodeCifarRecords(bytes, [[1, 19], [42, 99]]), buf);
});

test('CIFAR-10 folder: five train batches in order, test batch, class names', async () => {
  const dir = path.join(root, 'c10', 'cifar-10-batches-bin'); // the tarball's folder, found from its parent
  mkdirSync(dir, { recursive: true });
  for (let b = 1; b <= 5; b++) writeFileSync(path.join(dir, `data_batch_${b}.bin`), Uint8Array.from([...record(b, [b]), ...record(b + 10, [b + 1])]));
  writeFileSync(path.join(dir, 'test_batch.bin'), Uint8Array.from(record(99, [0])));
  const names = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
  writeFileSync(path.join(dir, 'batches.meta.txt'), names.join('\n') + '\n\n');
  const { train, test: tst } = await readCifar10(path.join(root, 'c10'));
  assert.deepEqual([...train.labels], [1, 2, 2, 3, 3, 4, 4, 5, 5, 6]);
  assert.deepEqual(train.shape, [32, 32, 3]);
  assert.deepEqual(train.classNames, names);
  checkPixels(train.images, 0, 1);
  checkPixels(train.images, 9, 15);
  assert.deepEqual([...tst.labels], [0]);
  checkPixels(tst.images, 0, 99);
  clearDatasetCache();
  const viaRegistry = await loadDataset('cifar10', { dir: path.join(root, 'c10') });
  assert.equal(viaRegistry.train.labels.length, 10);
  assert.equal(viaRegistry.source, dir);
});

test('CIFAR-100: fine label by default, coarse on request, names from the txt files', async () => {
  const dir = path.join(root, 'c100');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'train.bin'), Uint8Array.from([...record(0, [4, 30]), ...record(1, [19, 99])]));
  writeFileSync(path.join(dir, 'test.bin'), Uint8Array.from(record(2, [0, 7])));
  const fine = Array.from({ length: 100 }, (_, i) => `fine${i}`);
  writeFileSync(path.join(dir, 'fine_label_names.txt'), fine.join('\n'));
  const f = await readCifar100(dir);
  assert.deepEqual([...f.train.labels], [30, 99]);
  assert.deepEqual([...f.test.labels], [7]);
  assert.equal(f.train.numClasses, 100);
  assert.deepEqual(f.train.classNames, fine);
  checkPixels(f.train.images, 1, 1);
  checkPixels(f.test.images, 0, 2);
  const c = await readCifar100(dir, 'coarse');
  assert.deepEqual([...c.train.labels], [4, 19]);
  assert.equal(c.train.numClasses, 20);
  assert.equal(c.train.classNames[19], '19'); // no coarse_label_names.txt: numeric names
});

test('truncated record file: says so and how to get the dataset', () => {
  const buf = Uint8Array.from([...record(0, [3]), ...record(1, [9]).slice(0, 100)]);
  assert.throws(() => parseCifarRecords(buf, 'data_batch_2.bin', 1, 0, 10, 'Download the CIFAR-10 "binary version"'), (e: Error) => {
    assert.ok(e instanceof IcmixError);
    assert.match(e.message, /data_batch_2\.bin: 3173 bytes is not a whole number of 3073-byte records \(1 whole, 100 bytes left over\)/);
    assert.match(e.message, /binary version/);
    return true;
  });
});

test('a label beyond the classes (e.g. the python pickle passed by mistake) is an error', () => {
  assert.throws(() => parseCifarRecords(Uint8Array.from(record(0, [12])), 'x.bin', 1, 0, 10), /x\.bin: record 0 has label 12 but the dataset has 10 classes/);
});

test('missing folder or files: error says where to get the binary version and to pass --data-dir', async () => {
  clearDatasetCache();
  await assert.rejects(loadDataset('cifar10'), (e: Error) => {
    assert.ok(e instanceof IcmixError);
    assert.match(e.message, /cifar10 needs its files: no data folder given/);
    assert.match(e.message, /cifar-10-binary\.tar\.gz/);
    assert.match(e.message, /--data-dir/);
    return true;
  });
  await assert.rejects(loadDataset('cifar100', { dir: path.join(root, 'empty') }), /cifar100: .*empty.*test\.bin not found\. Download the CIFAR-100 "binary version" \(cifar-100-binary\.tar\.gz\)/);
  const dir = path.join(root, 'c10-partial');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'test_batch.bin'), Uint8Array.from(record(0, [0])));
  await assert.rejects(readCifar10(dir), /cifar10: cannot read .*data_batch_1\.bin \(ENOENT\)\. Download the CIFAR-10/);
});
