/**
 * Shutdown drains what clients already sent (issue 25 item 10). Requests written to the server's
 * sockets, or still in its listen backlog, when close() starts (SIGINT/SIGTERM) were reset: of 200
 * sent, 2 were answered. Bounded: 100 connections to 127.0.0.1, each one request, 10 s at most.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createServer } from '../../src/serve/index.js';
import { makeTestModel, randomImages } from './fixtures.js';

const N = 100;

/** Send one complete request on a fresh connection; resolves to the status line, or the error code. */
function send(port: number, body: string): Promise<string> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let got = '';
    sock.on('data', (d) => (got += d.toString('latin1')));
    sock.on('error', (e: NodeJS.ErrnoException) => resolve(got ? got.split('\r\n')[0] : (e.code ?? 'error')));
    sock.on('close', () => resolve(got ? got.split('\r\n')[0] : 'closed without an answer'));
    sock.write(`POST /v1/predict HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  });
}

test(`${N} requests sent just before close() are all answered, then the port is closed`, { timeout: 10_000 }, async () => {
  const m = makeTestModel({ shape: [6, 6, 1], classes: 3 });
  const s = await createServer({ model: m.path, port: 0, web: false, shutdownTimeoutMs: 5000 });
  const port = Number(new URL(await s.listen()).port);
  const body = JSON.stringify({ inputs: Array.from(randomImages(1, m.shape, 3)) });
  const answers = Array.from({ length: N }, () => send(port, body));
  // The requests are written (the kernel holds them: backlog, socket buffers) but not yet read.
  await new Promise((r) => setImmediate(r));
  const report = await s.close();
  const statuses = await Promise.all(answers);
  const counts: Record<string, number> = {};
  for (const st of statuses) counts[st] = (counts[st] ?? 0) + 1;
  assert.deepEqual(counts, { 'HTTP/1.1 200 OK': N });
  assert.equal(report.forced, false);
  assert.equal(await send(port, body), 'ECONNREFUSED');
});
