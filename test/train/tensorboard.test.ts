import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { enginesHere } from '../backend/engines-here.js';
import { TensorBoardLog } from '../../src/train/tensorboard.js';
import { useBackend } from '../../src/backend/select.js';

// The event file is read back here with a reader of our own (TFRecord framing with its masked
// CRC-32C, and the protobuf wire format of Event/Summary/TensorProto), written from the formats'
// definitions, not from the writer's code.

const native = (await enginesHere()).find((e) => e.name === 'tensorflow')!;

function crc32c(buf: Uint8Array): number {
  let c = ~0 >>> 0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}
const masked = (crc: number) => ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;

/** Each record's payload, checking both CRCs. */
function records(file: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0; o < file.length; ) {
    const len = Number(file.readBigUInt64LE(o));
    assert.equal(file.readUInt32LE(o + 8), masked(crc32c(file.subarray(o, o + 8))), 'length CRC');
    const data = file.subarray(o + 12, o + 12 + len);
    assert.equal(file.readUInt32LE(o + 12 + len), masked(crc32c(data)), 'data CRC');
    out.push(data);
    o += 16 + len;
  }
  return out;
}

/** Protobuf fields: [field number, wire type, value (bigint varint | Buffer | number)]. */
function fields(buf: Buffer): [number, number, bigint | Buffer | number][] {
  const out: [number, number, bigint | Buffer | number][] = [];
  let o = 0;
  const varint = () => {
    let v = 0n;
    for (let s = 0n; ; s += 7n) {
      const b = buf[o++]!;
      v |= BigInt(b & 0x7f) << s;
      if (!(b & 0x80)) return v;
    }
  };
  while (o < buf.length) {
    const key = Number(varint());
    const [f, w] = [key >>> 3, key & 7];
    if (w === 0) out.push([f, w, varint()]);
    else if (w === 1) out.push([f, w, buf.readDoubleLE((o += 8) - 8)]);
    else if (w === 5) out.push([f, w, buf.readFloatLE((o += 4) - 4)]);
    else {
      const n = Number(varint());
      out.push([f, w, buf.subarray(o, (o += n))]);
    }
  }
  return out;
}

/** Every (step, tag, value) scalar in an event file. */
function scalars(file: Buffer): { step: number; tag: string; value: number }[] {
  const out: { step: number; tag: string; value: number }[] = [];
  for (const rec of records(file)) {
    const ev = fields(rec);
    const step = Number((ev.find(([f]) => f === 2)?.[2] as bigint | undefined) ?? 0n);
    for (const [f, , summary] of ev) {
      if (f !== 5) continue;
      for (const [vf, , value] of fields(summary as Buffer)) {
        if (vf !== 1) continue;
        const v = fields(value as Buffer);
        const tag = (v.find(([x]) => x === 1)![2] as Buffer).toString('utf8');
        const simple = v.find(([x]) => x === 2)?.[2] as number | undefined;
        const tensor = v.find(([x]) => x === 8)?.[2] as Buffer | undefined;
        let val = simple;
        if (val === undefined && tensor) {
          const t = fields(tensor);
          const packed = t.find(([x]) => x === 5)?.[2];
          const content = t.find(([x]) => x === 4)?.[2];
          val = packed instanceof Buffer ? packed.readFloatLE(0) : typeof packed === 'number' ? packed : (content as Buffer).readFloatLE(0);
        }
        out.push({ step, tag, value: val! });
      }
    }
  }
  return out;
}

test('--log-tensorboard: TensorFlow\'s summary writer leaves an event file whose scalars read back exactly (from a wasm run\'s thread too)', { skip: native.skip }, async () => {
  await useBackend('wasm');
  const dir = mkdtempSync(path.join(tmpdir(), 'icmix-tb-'));
  const log = await TensorBoardLog.open(dir);
  await log.scalars(1, { 'train/loss': 2.5, 'val/accuracy': 0.25, 'val/loss': NaN });
  await log.scalars(2, { 'train/loss': 1.25, 'val/accuracy': 0.5 });
  await log.close();
  const files = readdirSync(dir).filter((f) => f.startsWith('events.out.tfevents.'));
  assert.equal(files.length, 1);
  const got = scalars(readFileSync(path.join(dir, files[0]!)));
  assert.deepEqual(got.sort((a, b) => a.step - b.step || a.tag.localeCompare(b.tag)), [
    { step: 1, tag: 'train/loss', value: 2.5 },
    { step: 1, tag: 'val/accuracy', value: 0.25 },
    { step: 2, tag: 'train/loss', value: 1.25 },
    { step: 2, tag: 'val/accuracy', value: 0.5 },
  ]);
});
