/**
 * A damaged PNG is an error, never an image: pngjs inflates a truncated IDAT stream into a buffer
 * whose tail is whatever memory held, so without a check a cut-off upload was classified (at 70%
 * confidence, "in-distribution") or refused at random, depending on that memory.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as zlib from 'node:zlib';
import { decodeImage as decodeImageFile } from '../../src/image/index.js';
import { BadInput, decodeImage } from '../../src/serve/index.js';
import { encodePng } from '../serve/helpers.js';

/** `png` with its IDAT chunk's data cut to `keep` of its length (CRC recomputed, so only the zlib stream is short). */
function truncateIdat(png: Buffer, keep: number): Buffer {
  const parts: Buffer[] = [png.subarray(0, 8)];
  for (let at = 8; at < png.length; ) {
    const len = png.readUInt32BE(at);
    const type = png.subarray(at + 4, at + 8);
    let data = png.subarray(at + 8, at + 8 + len);
    if (type.toString('latin1') === 'IDAT') data = data.subarray(0, Math.floor(len * keep));
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    type.copy(head, 4);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([type, data])), 0);
    parts.push(head, data, crc);
    at += 12 + len;
  }
  return Buffer.concat(parts);
}

const w = 40;
const h = 30;
const noise = Buffer.from(Array.from({ length: w * h * 4 }, (_, i) => (i % 4 === 3 ? 255 : (i * 7919) % 251)));
const whole = encodePng(noise, h, w, 0);

test('a PNG whose IDAT stream is cut short is refused by the file decoder and the server, every time', async () => {
  assert.equal((await decodeImageFile(whole)).width, w, 'the intact file decodes');
  for (const keep of [0.2, 0.5, 0.8, 0.95]) {
    const cut = truncateIdat(whole, keep);
    for (let i = 0; i < 5; i++) {
      await assert.rejects(decodeImageFile(cut), /image data ends early \(truncated\?\)/, `keep ${keep}`);
      await assert.rejects(
        decodeImage(cut, 'png', [28, 28, 1]),
        (e: unknown) => e instanceof BadInput && e.status === 400 && /image data ends early/.test(e.message),
        `keep ${keep}`,
      );
    }
  }
});
