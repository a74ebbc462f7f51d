import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ImageHeaderError, readJpegHeader, readPngHeader } from '../../src/image/index.js';
import { admitImage, createServer, type IcmixServer } from '../../src/serve/index.js';
import { jpegBomb, pngBomb } from '../../bench/hostile-images.js';
import { makeTestModel, type TestModel } from './fixtures.js';
import { encodeJpeg, encodePng } from './helpers.js';

/** Decompression bombs are refused from their header, fast and without decoding (issue 13 item 4). */

const gray = (h: number, w: number) => Buffer.alloc(h * w * 4, 200);

describe('image headers', () => {
  test('PNG: width, height and channels of every colour type, as pngjs wrote them', () => {
    for (const [colorType, channels] of [[0, 1], [2, 3], [6, 4]] as const) {
      assert.deepEqual(readPngHeader(encodePng(gray(5, 7), 5, 7, colorType)), { format: 'png', width: 7, height: 5, channels, bitDepth: 8 });
    }
  });

  test('JPEG: the frame header of a real file', () => {
    assert.deepEqual(readJpegHeader(encodeJpeg(gray(9, 13), 9, 13)), { format: 'jpeg', width: 13, height: 9, channels: 3, bitDepth: 8 });
  });

  test('the hand-built bombs are what they claim: a 69-byte PNG of 20000x20000, a small JPEG of 7000x7000', () => {
    const png = pngBomb();
    assert.equal(png.length, 69);
    assert.deepEqual(readPngHeader(png), { format: 'png', width: 20000, height: 20000, channels: 1, bitDepth: 8 });
    const jpg = jpegBomb();
    assert.ok(jpg.length < 2000, `${jpg.length} bytes`);
    assert.deepEqual(readJpegHeader(jpg), { format: 'jpeg', width: 7000, height: 7000, channels: 3, bitDepth: 8 });
  });

  test('broken headers say what is wrong', () => {
    const png = encodePng(gray(4, 4), 4, 4);
    const cases: [() => unknown, string, RegExp][] = [
      [() => readPngHeader(Buffer.from('hello')), 'signature', /PNG signature/],
      [() => readPngHeader(png.subarray(0, 20)), 'truncated', /ends after 20 bytes/],
      [() => readPngHeader(pngBomb(0, 10)), 'malformed', /declares 0x10/],
      [() => readPngHeader(pngBomb(10, 10, 5)), 'malformed', /colour type 5/],
      [() => readJpegHeader(png), 'signature', /JPEG signature/],
      [() => readJpegHeader(jpegBomb(0, 10)), 'malformed', /declares 0x10/],
      [() => readJpegHeader(Buffer.from([0xff, 0xd8, 0xff, 0xd9])), 'truncated', /no frame header/],
    ];
    for (const [read, kind, message] of cases) {
      assert.throws(read, (err: unknown) => err instanceof ImageHeaderError && err.kind === kind && message.test(err.message));
    }
  });

  test('a JPEG that hides a huge second frame after a small one is refused', () => {
    const small = encodeJpeg(gray(8, 8), 8, 8);
    const twoFrames = Buffer.concat([small.subarray(0, small.length - 2), jpegBomb().subarray(2)]);
    assert.throws(() => readJpegHeader(twoFrames), /2 frames \(8x8, 7000x7000\)/);
  });

  test('admitImage: 413 above the pixel limit, the header otherwise (any size under it: the decoder resizes)', async () => {
    const rules = { maxPixels: 4096 * 4096 };
    await assert.rejects(admitImage(pngBomb(), 'png', rules), { status: 413, code: 'image_too_large', message: /20000x20000 = 400000000 pixels.*--max-image-pixels/ });
    await assert.rejects(admitImage(jpegBomb(), 'jpeg', { ...rules, maxPixels: 10_000 }), { status: 413, code: 'image_too_large' });
    assert.equal((await admitImage(jpegBomb(), 'jpeg', { ...rules, maxPixels: 50_000_000 })).width, 7000);
    await assert.rejects(admitImage(Buffer.alloc(0), 'png', rules), { status: 400, code: 'not_an_image', message: /is empty/ });
    assert.equal((await admitImage(encodePng(gray(28, 28), 28, 28), 'png', rules)).width, 28);
    assert.equal((await admitImage(encodePng(gray(40, 64), 40, 64), 'png', rules)).width, 64);
  });
});

describe('icmix serve refuses decompression bombs from their header', () => {
  let m: TestModel;
  let s: IcmixServer;
  let base: string;

  before(async () => {
    m = makeTestModel({ shape: [28, 28, 1], classes: 10 });
    s = await createServer({ model: m.path, port: 0, web: false });
    base = await s.listen();
  });
  after(() => s.close());

  const post = (body: Buffer, type: string) => fetch(`${base}/v1/predict`, { method: 'POST', headers: { 'content-type': type }, body });

  test('PNG 20000x20000 and JPEG 7000x7000 → 413 image_too_large in under 50 ms, RSS unchanged', async () => {
    const rss0 = process.memoryUsage.rss();
    for (const [body, type, size] of [[pngBomb(), 'image/png', '20000x20000'], [jpegBomb(), 'image/jpeg', '7000x7000']] as const) {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        const res = await post(body, type);
        times.push(performance.now() - t0);
        assert.equal(res.status, 413);
        const { error } = (await res.json()) as { error: { code: string; message: string } };
        assert.equal(error.code, 'image_too_large');
        assert.match(error.message, new RegExp(`declares ${size}`));
      }
      // The fastest of five round trips: the guard's own cost, without the shared machine's noise.
      assert.ok(Math.min(...times) < 50, `${type}: ${times.map((t) => t.toFixed(1)).join(', ')} ms`);
      assert.ok(Math.max(...times) < 1000, `${type}: ${times.map((t) => t.toFixed(1)).join(', ')} ms`);
    }
    // Decoding either would allocate 190 MB (JPEG) to 1.6 GB (PNG).
    assert.ok(process.memoryUsage.rss() - rss0 < 100e6, `RSS grew by ${((process.memoryUsage.rss() - rss0) / 1e6).toFixed(0)} MB`);
  });

  test('/healthz stays responsive while bombs arrive', async () => {
    const bombs = Array.from({ length: 20 }, (_, i) => (i % 2 ? post(pngBomb(), 'image/png') : post(jpegBomb(), 'image/jpeg')).then((r) => r.status));
    const probes: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      const res = await fetch(`${base}/healthz`);
      assert.equal(res.status, 200);
      await res.json();
      probes.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.deepEqual(new Set(await Promise.all(bombs)), new Set([413]));
    assert.ok(Math.max(...probes) < 500, `healthz took ${probes.map((t) => t.toFixed(1)).join(', ')} ms`);
  });

  test('--max-image-pixels is the line: an image just over it is 413 from its header, one at it is decoded and resized', async () => {
    const img = encodeJpeg(gray(50, 80), 50, 80);
    for (const [limit, status] of [[50 * 80 - 1, 413], [50 * 80, 200]] as const) {
      const srv = await createServer({ model: m.path, web: false, maxImagePixels: limit });
      try {
        const res = await srv.app.inject({ method: 'POST', url: '/v1/predict', headers: { 'content-type': 'image/jpeg' }, payload: img });
        assert.equal(res.statusCode, status, res.body);
        assert.equal((await srv.app.inject({ url: '/v1/model' })).json().serving.maxImagePixels, limit);
      } finally {
        await srv.close();
      }
    }
  });
});
