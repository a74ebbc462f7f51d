/**
 * The server takes every format the image room decodes (issue 25 item 5), each by its content
 * type, and says in GET /v1/model which decoder and orientation rule apply.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { createServer, type IcmixServer, type PredictResponse } from '../../src/serve/index.js';
import { makeTestModel, type TestModel } from './fixtures.js';
import { encodePng } from './helpers.js';

let m: TestModel;
let s: IcmixServer;
before(async () => {
  m = makeTestModel({ shape: [12, 12, 3], classes: 4, seed: 3 });
  s = await createServer({ model: m.path, web: false });
});
after(() => s.close());

const post = (payload: Buffer, type: string) => s.app.inject({ method: 'POST', url: '/v1/predict', headers: { 'content-type': type }, payload });

test('WebP, GIF, TIFF and AVIF bodies give the probabilities of the same pixels sent as PNG', async () => {
  const [w, h] = [20, 15];
  // Flat colour blocks: exact under lossless WebP, GIF's palette and TIFF.
  const rgba = Buffer.alloc(w * h * 4);
  for (let p = 0; p < w * h; p++) rgba.set([(p % w) < 10 ? 200 : 30, Math.floor(p / w) < 7 ? 60 : 240, 120, 255], 4 * p);
  const png = (await post(encodePng(rgba, h, w, 6), 'image/png')).json() as PredictResponse;
  const raw = () => sharp(rgba, { raw: { width: w, height: h, channels: 4 } });
  const bodies: [string, Buffer, number][] = [
    ['image/webp', await raw().webp({ lossless: true }).toBuffer(), 0],
    ['image/gif', await raw().gif().toBuffer(), 0],
    ['image/tiff', await raw().tiff({ compression: 'lzw' }).toBuffer(), 0],
    ['image/avif', await raw().avif({ lossless: true }).toBuffer(), 0.05],
  ];
  for (const [type, body, tol] of bodies) {
    const res = await post(body, type);
    assert.equal(res.statusCode, 200, `${type}: ${res.body}`);
    const got = (res.json() as PredictResponse).predictions[0].probabilities;
    got.forEach((p, k) => assert.ok(Math.abs(p - png.predictions[0].probabilities[k]) <= tol + 1e-6, `${type}: class ${k}: ${p} vs ${png.predictions[0].probabilities[k]}`));
  }
});

test('a body that is not its declared format is a 400 naming the format; BMP is 415 by its content type', async () => {
  const res = await post(encodePng(Buffer.alloc(4 * 4 * 4, 9), 4, 4), 'image/webp');
  assert.equal(res.statusCode, 400);
  assert.match(res.json().error.message, /does not start with the WebP signature/);
  assert.equal((await post(Buffer.from('BM......'), 'image/bmp')).statusCode, 415);
});

test('GET /v1/model names the decoder and its orientation rule', async () => {
  const doc = (await s.app.inject({ url: '/v1/model' })).json() as { decoder: { library: string; orientation: string }; serving: { accepts: string[] } };
  assert.match(doc.decoder.library, /^sharp \d+\.\d+\.\d+ \(libvips \d+\.\d+/);
  assert.match(doc.decoder.orientation, /EXIF orientation applied/);
  assert.deepEqual(doc.serving.accepts, ['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'image/tiff', 'image/avif', 'application/json']);
});
