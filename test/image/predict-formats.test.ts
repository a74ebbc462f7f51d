/**
 * icmix predict reads every format the image room decodes and names the one it does not (issue 25
 * item 5: .webp, .gif, .tiff and .bmp files were skipped silently when a folder was searched).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { predictImages } from '../../src/infer/predict-images.js';
import { makeTestModel } from '../serve/fixtures.js';

const dir = mkdtempSync(path.join(tmpdir(), 'icmix-predict-formats-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a folder of WebP, GIF, TIFF, AVIF and PNG files: each classified alike; a BMP gets an error line naming BMP', async () => {
  const m = makeTestModel({ shape: [8, 8, 1], classes: 3 });
  const rgba = Buffer.alloc(16 * 16 * 4);
  for (let p = 0; p < 256; p++) rgba.set([p % 16 < 8 ? 250 : 10, p % 16 < 8 ? 250 : 10, p % 16 < 8 ? 250 : 10, 255], 4 * p);
  const raw = () => sharp(rgba, { raw: { width: 16, height: 16, channels: 4 } });
  writeFileSync(path.join(dir, 'a.png'), await raw().png().toBuffer());
  writeFileSync(path.join(dir, 'b.webp'), await raw().webp({ lossless: true }).toBuffer());
  writeFileSync(path.join(dir, 'c.gif'), await raw().gif().toBuffer());
  writeFileSync(path.join(dir, 'd.tiff'), await raw().tiff({ compression: 'lzw' }).toBuffer());
  writeFileSync(path.join(dir, 'e.avif'), await raw().avif({ lossless: true }).toBuffer());
  // A minimal BMP header: enough to be recognised as one.
  const bmp = Buffer.alloc(54);
  bmp.write('BM', 0, 'latin1');
  writeFileSync(path.join(dir, 'f.bmp'), bmp);
  const out = await predictImages(m.path, [dir]);
  assert.deepEqual(out.map((p) => path.basename(p.file)), ['a.png', 'b.webp', 'c.gif', 'd.tiff', 'e.avif', 'f.bmp']);
  const ok = out.slice(0, 5).map((p) => {
    assert.ok(!('error' in p), `${p.file}: ${'error' in p ? p.error : ''}`);
    return p as { probabilities: number[] };
  });
  for (const p of ok.slice(1, 4)) assert.deepEqual(p.probabilities, ok[0].probabilities);
  ok[4].probabilities.forEach((v, k) => assert.ok(Math.abs(v - ok[0].probabilities[k]) < 0.02, 'AVIF stores YUV: near, not equal'));
  assert.match((out[5] as { error: string }).error, /it is a BMP file, which icmix's decoder \(sharp\/libvips\) does not read/);
});
