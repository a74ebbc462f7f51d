/**
 * A phone photo's JPEG carries an EXIF orientation tag. Chromium's createImageBitmap applies it by
 * default, and so does the image room's decoder (sharp's rotate()), used by the server, icmix
 * predict and folder datasets: page and server both classify the photo turned upright.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import jpeg from 'jpeg-js';
import type { Browser, Page } from 'playwright-core';
import { createServer, decodeImage, type IcmixServer } from '../../src/serve/index.js';
import { makeTestModel, type TestModel } from '../serve/fixtures.js';
import { launchChromium } from './browser.js';

let m: TestModel;
let s: IcmixServer;
let browser: Browser;
let page: Page;

before(async () => {
  m = makeTestModel({ shape: [28, 28, 1], classes: 10, seed: 4 });
  s = await createServer({ model: m.path, port: 0, host: '127.0.0.1' });
  const url = await s.listen();
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(`${url}/`);
  await page.evaluate(() => (window as unknown as { icmix: { ready: Promise<void> } }).icmix.ready);
});

after(async () => {
  await browser?.close();
  await s?.close();
});

/** An APP1 Exif segment (big-endian TIFF) holding only Orientation = `o`. */
function exifOrientation(o: number): Buffer {
  const tiff = Buffer.alloc(8 + 2 + 12 + 4);
  tiff.write('MM', 0, 'latin1');
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4); // first IFD
  tiff.writeUInt16BE(1, 8); // one entry
  tiff.writeUInt16BE(0x0112, 10); // Orientation
  tiff.writeUInt16BE(3, 12); // SHORT
  tiff.writeUInt32BE(1, 14);
  tiff.writeUInt16BE(o, 18);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const head = Buffer.from([0xff, 0xe1, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

test('a JPEG with EXIF orientation 6: the page gives the server\'s tensor (both turned upright), up to the two JPEG decoders', async () => {
  // 40 wide, 24 high: the left third white, the rest black, so a quarter turn moves most pixels.
  const [w, h] = [40, 24];
  const rgba = Buffer.alloc(w * h * 4);
  for (let p = 0; p < w * h; p++) rgba.set([...Array(3).fill(p % w < w / 3 ? 255 : 0), 255], 4 * p);
  const plain = jpeg.encode({ data: rgba, width: w, height: h }, 100).data;
  const bytes = Buffer.concat([plain.subarray(0, 2), exifOrientation(6), plain.subarray(2)]);
  const web = await page.evaluate(
    ([b]) => (window as unknown as { icmix: { classifyFile(b: number[], t: string): Promise<{ pixels: number[] }> } }).icmix.classifyFile(b, 'image/jpeg'),
    [Array.from(bytes)] as const,
  );
  const node = await decodeImage(bytes, 'jpeg', m.shape);
  let max = 0;
  for (let i = 0; i < node.length; i++) max = Math.max(max, Math.abs(web.pixels[i] - node[i]));
  assert.ok(max < 0.1, `max |page - server| = ${max}: the page and the server turned the photo differently`);
});
