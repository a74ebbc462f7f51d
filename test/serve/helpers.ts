import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import assert from 'node:assert/strict';
import http from 'node:http';

/** One float image [h, w, c] in [0, 1] (c = 1 or 3) → RGBA bytes, alpha opaque. */
export function toRgba(img: Float32Array, h: number, w: number, c: number): Buffer {
  const data = Buffer.alloc(h * w * 4);
  for (let p = 0; p < h * w; p++) {
    for (let k = 0; k < 3; k++) data[4 * p + k] = Math.round(img[p * c + (c === 1 ? 0 : k)] * 255);
    data[4 * p + 3] = 255;
  }
  return data;
}

/** Encode as PNG; colorType 0 = gray, 2 = RGB, 6 = RGBA. */
export function encodePng(rgba: Buffer, h: number, w: number, colorType: 0 | 2 | 6 = 6): Buffer {
  const png = new PNG({ width: w, height: h });
  rgba.copy(png.data);
  return PNG.sync.write(png, { colorType, inputColorType: 6, inputHasAlpha: true });
}

export function encodeJpeg(rgba: Buffer, h: number, w: number, quality = 90): Buffer {
  return jpeg.encode({ data: rgba, width: w, height: h }, quality).data;
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]} (tol ${tol})`);
  }
}

/** Parse Prometheus text into { 'name{labels}': value } (label order as rendered). */
export function parsePrometheus(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/**
 * POST `body` as JSON to `url`'s /v1/predict without ending the request, so a test can hold the
 * upload open (write part of it, then `req.end(rest)`). `response` settles when the server answers.
 */
export function startUpload(url: URL, body: Buffer): { req: http.ClientRequest; response: Promise<{ status: number; text: string }> } {
  const req = http.request({ host: url.hostname, port: url.port, path: '/v1/predict', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } });
  const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', reject);
  });
  return { req, response };
}
