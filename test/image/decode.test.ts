/**
 * The image room against PIL (libjpeg-turbo, libpng, libwebp, libtiff): every fixture is made by
 * PIL (make_fixtures.py) next to PIL's own RGBA decoding of it, and the one header reader and the
 * one decoder must give PIL's size and PIL's pixels, bit for bit. jpeg-js, the decoder before,
 * differed from libjpeg by up to 45/255 on 4:2:0 files.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { admitImage, decodeImage, ImageError, isGrey, readImageHeader, sniffFormat, type ImageFormat } from '../../src/image/index.js';

interface Fixture {
  file: string;
  what: string;
  format: string;
  mode: string;
  width: number;
  height: number;
  refWidth: number;
  refHeight: number;
}

const PYTHON = '/usr/bin/python3';
let dir: string;
let fixtures: Fixture[];
const bytesOf = (f: Fixture) => readFileSync(path.join(dir, f.file));
const byFile = (name: string) => fixtures.find((f) => f.file === name)!;

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'icmix-image-'));
  const r = spawnSync(PYTHON, [path.resolve('test/image/make_fixtures.py'), dir], { encoding: 'utf8' });
  // No PIL is a failure, not a skip: scripts/setup.sh installs python3-pil.
  assert.equal(r.status, 0, `${PYTHON} test/image/make_fixtures.py failed (is python3-pil installed? bash scripts/setup.sh): ${r.stderr}`);
  fixtures = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Fixture[];
});
after(() => rmSync(dir, { recursive: true, force: true }));

const SNIFFED: Record<string, ImageFormat> = { jpeg: 'jpeg', png: 'png', webp: 'webp', gif: 'gif', tiff: 'tiff', bmp: 'bmp' };

describe('the header reader', () => {
  test('sniffs every fixture as PIL names its format', () => {
    assert.equal(fixtures.length, 14);
    for (const f of fixtures) assert.equal(sniffFormat(bytesOf(f)), SNIFFED[f.format], f.file);
  });

  test('gives the size PIL reads as stored, and grey exactly for PIL\'s grey modes', async () => {
    for (const f of fixtures.filter((x) => x.format !== 'bmp')) {
      const h = await readImageHeader(bytesOf(f));
      assert.deepEqual([h.width, h.height], [f.width, f.height], f.file);
      assert.equal(isGrey(h), ['L', 'LA', 'I', 'I;16'].includes(f.mode), `${f.file}: mode ${f.mode}, ${h.channels} channels`);
    }
  });

  test('a BMP is named and refused, not skipped: sharp\'s prebuilt libvips has no BMP loader', async () => {
    await assert.rejects(readImageHeader(bytesOf(byFile('plain.bmp'))), /it is a BMP file, which icmix's decoder \(sharp\/libvips\) does not read/);
    await assert.rejects(decodeImage(bytesOf(byFile('plain.bmp'))), (e: unknown) => e instanceof ImageError && e.kind === 'unsupported' && /BMP/.test(e.message));
  });
});

describe('the decoder gives PIL\'s pixels', () => {
  const exact = ['s420.jpg', 's444.jpg', 'progressive.jpg', 'grey.jpg', 'cmyk.jpg', 'orient6.jpg', 'palette.png', 'palette-trns.png', 'grey-alpha.png', 'grey16.png', 'lossy.webp', 'anim.gif', 'plain.tiff'];
  for (const name of exact) {
    test(name, async () => {
      const f = byFile(name);
      const ref = readFileSync(path.join(dir, `${f.file}.rgba`));
      const img = await decodeImage(bytesOf(f));
      assert.deepEqual([img.width, img.height], [f.refWidth, f.refHeight], `${f.what}: size`);
      let max = 0;
      let differ = 0;
      for (let i = 0; i < ref.length; i++) {
        const d = Math.abs(ref[i] - img.data[i]);
        if (d) differ++;
        max = Math.max(max, d);
      }
      assert.equal(img.data.length, ref.length);
      assert.equal(max, 0, `${f.what}: ${differ} of ${ref.length} bytes differ from PIL, by up to ${max}`);
    });
  }

  test('EXIF orientation 6 turns the photo: 37 wide and 53 high, unlike the stored 53x37', async () => {
    const img = await decodeImage(bytesOf(byFile('orient6.jpg')));
    assert.deepEqual([img.width, img.height], [37, 53]);
  });

  test('AVIF (PIL here cannot write it; sharp encodes it losslessly) decodes to its pixels', async () => {
    const f = byFile('plain.tiff');
    const rgba = readFileSync(path.join(dir, `${f.file}.rgba`));
    const avif = await sharp(rgba, { raw: { width: f.width, height: f.height, channels: 4 } }).avif({ lossless: true }).toBuffer();
    assert.equal(sniffFormat(avif), 'avif');
    assert.deepEqual(await readImageHeader(avif).then((h) => [h.format, h.width, h.height]), ['avif', f.width, f.height]);
    const img = await decodeImage(avif);
    let max = 0;
    for (let i = 0; i < rgba.length; i++) max = Math.max(max, Math.abs(rgba[i] - img.data[i]));
    // Lossless AVIF still stores YUV: a few levels of colour-conversion rounding remain.
    assert.ok(max <= 3, `max difference ${max}`);
  });
});

describe('the pixel limit is checked from the header, before decoding', () => {
  test('one pixel over is refused naming the image and --max-image-pixels; at the limit it decodes', async () => {
    for (const name of ['s420.jpg', 'palette.png', 'lossy.webp', 'plain.tiff', 'anim.gif']) {
      const f = byFile(name);
      const n = f.width * f.height;
      await assert.rejects(
        decodeImage(bytesOf(f), { maxPixels: n - 1 }),
        (e: unknown) =>
          e instanceof ImageError && e.kind === 'too-large' && new RegExp(`declares ${f.width}x${f.height} = ${n} pixels, more than --max-image-pixels allows \\(${n - 1}\\); shrink the file, or raise --max-image-pixels`).test(e.message),
        name,
      );
      assert.equal((await admitImage(bytesOf(f), { maxPixels: n })).width, f.width, name);
      assert.equal((await decodeImage(bytesOf(f), { maxPixels: n })).width, f.width, name);
    }
  });
});
