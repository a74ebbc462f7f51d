import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, encodeIdx, parseIdx, readIdxFile, readIdxImageSet, writeIdxFile } from '../../src/data/index.js';
import { IcmixError } from '../../src/util/errors.js';

const dir = mkdtempSync(path.join(tmpdir(), 'icmix-idx-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** Hand-built IDX bytes: magic, big-endian dims, data. */
function handIdx(magic: number, dims: number[], data: number[]): Uint8Array {
  const head = [(magic >>> 24) & 255, (magic >>> 16) & 255, (magic >>> 8) & 255, magic & 255];
  for (const d of dims) head.push((d >>> 24) & 255, (d >>> 16) & 255, (d >>> 8) & 255, d & 255);
  return Uint8Array.from([...head, ...data]);
}

// 2 images of 2 rows x 3 cols.
const pixels = [0, 1, 2, 3, 4, 255, 10, 20, 30, 40, 50, 60];
const labels = [7, 2];

test('encodeIdx writes the IDX layout byte for byte', () => {
  assert.deepEqual(encodeIdx(Uint8Array.from(pixels), [2, 2, 3]), handIdx(0x803, [2, 2, 3], pixels));
  assert.deepEqual(encodeIdx(Uint8Array.from(labels), [2]), handIdx(0x801, [2], labels));
  // A dim above 255 exercises the big-endian bytes.
  const big = encodeIdx(new Uint8Array(300), [300]);
  assert.deepEqual([...big.subarray(0, 8)], [0, 0, 8, 1, 0, 0, 1, 44]);
});

for (const gzip of [false, true]) {
  test(`reads ${gzip ? 'gzipped' : 'raw'} image and label files into NHWC [0,1] floats`, async () => {
    const imgs = path.join(dir, `img-${gzip}`);
    const labs = path.join(dir, `lab-${gzip}`);
    const imgBytes = handIdx(0x803, [2, 2, 3], pixels);
    writeFileSync(imgs, gzip ? gzipSync(imgBytes) : imgBytes);
    await writeIdxFile(labs, Uint8Array.from(labels), [2], { gzip });
    const set = await readIdxImageSet(imgs, labs, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
    assert.deepEqual(set.shape, [2, 3, 1]);
    assert.equal(set.numClasses, 8);
    assert.deepEqual([...set.labels], labels);
    assert.deepEqual([...set.images], pixels.map((p) => Math.fround(p / 255)));
    assert.equal(set.images[5], 1);
  });
}

test('class count defaults to the largest label + 1 with numeric names', async () => {
  const imgs = path.join(dir, 'img-default');
  const labs = path.join(dir, 'lab-default');
  await writeIdxFile(imgs, Uint8Array.from(pixels), [2, 2, 3]);
  await writeIdxFile(labs, Uint8Array.from([2, 0, 1, 1]), [4]);
  await writeIdxFile(imgs, new Uint8Array(4 * 6), [4, 2, 3]);
  const set = await readIdxImageSet(imgs, labs);
  assert.equal(set.numClasses, 3);
  assert.deepEqual(set.classNames, ['0', '1', '2']);
});

test('without a class list, a stray label (200 among 0..9) is an error naming the file and index, not a 201-class set', async () => {
  const imgs = path.join(dir, 'img-stray');
  const labs = path.join(dir, 'lab-stray');
  const ys = Array.from({ length: 30 }, (_, i) => i % 10);
  ys[17] = 200;
  await writeIdxFile(imgs, new Uint8Array(30 * 4), [30, 2, 2]);
  await writeIdxFile(labs, Uint8Array.from(ys), [30]);
  await assert.rejects(readIdxImageSet(imgs, labs), (e: unknown) => {
    assert.ok(e instanceof IcmixError);
    assert.match(e.message, /lab-stray: label 200 at index 17 implies 201 classes, but class 10 has no images; .*classes\.txt/);
    return true;
  });
  // With the class list declared, the same byte is out of range, and its index is named.
  await assert.rejects(readIdxImageSet(imgs, labs, ys.slice(0, 10).map(String)), /lab-stray: label 200 but the dataset has 10 classes .*first such label is at index 17/);
});

test('images of size zero are refused with the file named', async () => {
  const imgs = path.join(dir, 'img-zero');
  const labs = path.join(dir, 'lab-zero');
  await writeIdxFile(imgs, new Uint8Array(0), [2, 0, 0]);
  await writeIdxFile(labs, Uint8Array.from([0, 1]), [2]);
  await assert.rejects(readIdxImageSet(imgs, labs), /img-zero: images of shape \[0, 0\] hold no pixels/);
});

test('wrong magic names the file and the expected magic', async () => {
  const f = path.join(dir, 'labels-as-images');
  await writeIdxFile(f, Uint8Array.from(labels), [2]);
  await assert.rejects(readIdxFile(f, IDX_IMAGES_MAGIC), (e: Error) => {
    assert.ok(e instanceof IcmixError);
    assert.match(e.message, /labels-as-images/);
    assert.match(e.message, /magic number 0x00000801 but expected an IDX image file \(magic 0x00000803\)/);
    assert.match(e.message, /swapped/);
    return true;
  });
  assert.throws(() => parseIdx(Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0, 0, 0]), 'x.zip', IDX_LABELS_MAGIC), /x\.zip: magic number 0x504b0304 but expected an IDX label file/);
});

test('truncated files say how many bytes were expected', async () => {
  const full = handIdx(0x803, [2, 2, 3], pixels);
  assert.throws(() => parseIdx(full.subarray(0, full.length - 1), 'short.idx', IDX_IMAGES_MAGIC), (e: Error) => {
    assert.ok(e instanceof IcmixError);
    assert.match(e.message, /short\.idx: truncated: dims \[2, 2, 3\] need 12 data bytes but the file holds 11/);
    return true;
  });
  assert.throws(() => parseIdx(full.subarray(0, 9), 'hdr.idx', IDX_IMAGES_MAGIC), /hdr\.idx: truncated IDX header \(9 of 16 bytes\)/);
  assert.throws(() => parseIdx(full.subarray(0, 2), 'tiny.idx', IDX_IMAGES_MAGIC), /tiny\.idx: only 2 bytes/);
  // A truncated gzip stream is reported as damaged, naming the file.
  const gz = path.join(dir, 'cut.gz');
  const z = gzipSync(full);
  writeFileSync(gz, z.subarray(0, z.length - 6));
  await assert.rejects(readIdxFile(gz, IDX_IMAGES_MAGIC), /cut\.gz: the gzip stream is damaged/);
});

test('image/label count mismatch names both files and counts', async () => {
  const imgs = path.join(dir, 'img-3');
  const labs = path.join(dir, 'lab-2');
  await writeIdxFile(imgs, new Uint8Array(3 * 4), [3, 2, 2]);
  await writeIdxFile(labs, Uint8Array.from([0, 1]), [2]);
  await assert.rejects(readIdxImageSet(imgs, labs), (e: Error) => {
    assert.ok(e instanceof IcmixError);
    assert.match(e.message, /lab-2 holds 2 labels but .*img-3 holds 3 images/);
    return true;
  });
});

test('a label outside the given classes is an error', async () => {
  const imgs = path.join(dir, 'img-l');
  const labs = path.join(dir, 'lab-l');
  await writeIdxFile(imgs, Uint8Array.from(pixels), [2, 2, 3]);
  await writeIdxFile(labs, Uint8Array.from(labels), [2]);
  await assert.rejects(readIdxImageSet(imgs, labs, ['a', 'b']), /lab-l: label 7 but the dataset has 2 classes/);
});

test('missing file names the path', async () => {
  await assert.rejects(readIdxFile(path.join(dir, 'nope'), IDX_LABELS_MAGIC), /cannot read .*nope: ENOENT/);
});

test('magic constants', () => {
  assert.equal(IDX_IMAGES_MAGIC, 2051);
  assert.equal(IDX_LABELS_MAGIC, 2049);
});
