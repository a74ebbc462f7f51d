import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { createServer, type IcmixServer } from '../../src/serve/index.js';
import { makeTestModel, randomImages } from './fixtures.js';
import { parsePrometheus, startUpload } from './helpers.js';

/** Aborted and slow uploads (issue 13 item 5): no leaked batcher state, a body deadline, a bounded shutdown. */

const m = makeTestModel({ shape: [6, 6, 1], classes: 3 });
const body = Buffer.from(JSON.stringify({ inputs: Array.from(randomImages(1, m.shape, 7)) }));

async function arriving(s: IcmixServer): Promise<number> {
  return parsePrometheus((await s.app.inject({ url: '/metrics' })).body).get('icmix_arriving_requests')!;
}

/** Poll until `ok()` holds or `ms` pass; returns whether it held. */
async function within(ms: number, ok: () => Promise<boolean>): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return ok();
}

/** Open a raw socket, send the headers of a JSON predict request and `part` of its body. */
function halfUpload(port: number, part: Buffer, length = body.length): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => {
      sock.write(`POST /v1/predict HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`);
      sock.write(part, () => resolve(sock));
    });
    sock.on('error', reject);
  });
}

async function timedPredict(base: string): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${base}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - t0 };
}

test('a client that sends half a body and goes away leaves no arrival behind: a lone request later does not wait --max-wait-ms', async () => {
  const s = await createServer({ model: m.path, port: 0, web: false, maxBatch: 8, maxWaitMs: 400 });
  try {
    const base = await s.listen();
    const port = new URL(base).port;
    assert.ok((await timedPredict(base)).status === 200); // warm up
    const quiet = await timedPredict(base);
    const sock = await halfUpload(Number(port), body.subarray(0, 20));
    assert.ok(await within(2000, async () => (await arriving(s)) === 1), 'the half upload was never counted as arriving');
    sock.destroy();
    assert.ok(await within(2000, async () => (await arriving(s)) === 0), `icmix_arriving_requests stayed at ${await arriving(s)} after the client went away`);
    const lone = await timedPredict(base);
    assert.equal(lone.status, 200);
    // Waiting for the gone client would cost the full 400 ms.
    assert.ok(lone.ms < 200, `a lone request took ${lone.ms.toFixed(0)} ms (before the abort: ${quiet.ms.toFixed(0)} ms)`);
    assert.equal(s.batcher.pending.images, 0);
  } finally {
    await s.close();
  }
});

test('--body-timeout-ms: a body that has not arrived in time gets 408 body_timeout and its connection is closed', async () => {
  const s = await createServer({ model: m.path, port: 0, web: false, bodyTimeoutMs: 300 });
  let sock: net.Socket | undefined;
  try {
    const base = await s.listen();
    const url = new URL(base);
    const t0 = performance.now();
    sock = await halfUpload(Number(url.port), body.subarray(0, 20)); // and then nothing more
    let raw = '';
    sock.on('data', (d: Buffer) => (raw += d.toString()));
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    await Promise.race([closed, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the server neither answered nor closed within 3 s: the slow upload was never timed out')), 3000))]);
    const ms = performance.now() - t0;
    assert.match(raw, /^HTTP\/1\.1 408 /);
    assert.match(raw, /\r\nconnection: close\r\n/i);
    const error = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)).error;
    assert.equal(error.code, 'body_timeout');
    assert.match(error.message, /within 300 ms.*--body-timeout-ms/);
    assert.ok(ms >= 290 && ms < 2000, `answered after ${ms.toFixed(0)} ms`);
    assert.ok(await within(1000, async () => (await arriving(s)) === 0), 'the timed-out request is still counted as arriving');
    // A body that trickles in but arrives in time is answered.
    const slowOk = startUpload(url, body);
    slowOk.req.write(body.subarray(0, 20));
    await new Promise((r) => setTimeout(r, 100));
    slowOk.req.end(body.subarray(20));
    assert.equal((await slowOk.response).status, 200);
    assert.equal((await timedPredict(base)).status, 200);
  } finally {
    sock?.destroy();
    await s.close();
  }
});

test('--shutdown-timeout-ms: close() with a stalled upload open returns after the bound, closing it', async () => {
  const s = await createServer({ model: m.path, port: 0, web: false, bodyTimeoutMs: 60_000, shutdownTimeoutMs: 300 });
  const base = await s.listen();
  const sock = await halfUpload(Number(new URL(base).port), body.subarray(0, 20));
  const closedByServer = new Promise<void>((r) => sock.once('close', () => r()));
  assert.ok(await within(2000, async () => (await arriving(s)) === 1));
  const t0 = performance.now();
  const report = await Promise.race([s.close(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('close() still waiting after 5 s')), 5000))]);
  const ms = performance.now() - t0;
  assert.deepEqual(report, { forced: true });
  assert.ok(ms >= 290 && ms < 2000, `close() took ${ms.toFixed(0)} ms`);
  await closedByServer;
  sock.destroy();
});

test('close() without stragglers is not forced and does not wait for the bound', async () => {
  const s = await createServer({ model: m.path, port: 0, web: false, shutdownTimeoutMs: 5000 });
  const base = await s.listen();
  assert.equal((await timedPredict(base)).status, 200);
  const t0 = performance.now();
  assert.deepEqual(await s.close(), { forced: false });
  assert.ok(performance.now() - t0 < 2000);
});
