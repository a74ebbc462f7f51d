/**
 * Decompression bombs for the serve tests and bench:serve: a few bytes whose header declares an
 * image far too large to decode. Built by hand (seeded, no files), so the tests say exactly what
 * they send.
 */
import { deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG_SIGNATURE } from '../src/image/formats.js';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One PNG chunk: length, type, data, CRC over type and data. */
function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * A valid-looking 8-bit gray PNG declaring width x height, whose IDAT holds a 12-byte zlib stream
 * (of 100 zero bytes): 69 bytes in all. A decoder allocates for the declared size before it finds
 * the data short.
 */
export function pngBomb(width = 20000, height = 20000, colorType = 0): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = colorType;
  const signature = Buffer.from(PNG_SIGNATURE);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(100))), chunk('IEND', new Uint8Array(0))]);
}

/** A real 8x8 JPEG (jpeg-js, mid-gray) whose frame header is rewritten to declare width x height. */
export function jpegBomb(width = 7000, height = 7000): Buffer {
  const bytes = Buffer.from(jpeg.encode({ data: Buffer.alloc(8 * 8 * 4, 128), width: 8, height: 8 }, 90).data);
  const sof = bytes.indexOf(Buffer.from([0xff, 0xc0]));
  if (sof < 0) throw new Error('jpegBomb: jpeg-js wrote no SOF0 marker');
  bytes.writeUInt16BE(height, sof + 5);
  bytes.writeUInt16BE(width, sof + 7);
  return bytes;
}
