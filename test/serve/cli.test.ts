import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { test } from 'node:test';
import type { PredictResponse } from '../../src/serve/index.js';
import { makeTestModel, randomImages } from './fixtures.js';
import { assertClose, startUpload } from './helpers.js';

/** `icmix serve` as a process: it listens, answers, and on SIGTERM finishes an in-flight request before exiting 0. */

function startCli(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const listening = new Promise<string>((resolve, reject) => {
    child.stderr.on('data', () => {
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]);
    });
    void exited.then((code) => reject(new Error(`icmix serve exited with ${code}: ${stderr}`)));
  });
  listening.catch(() => undefined); // the tests that expect a failed start await `exited` instead
  return { child, exited, listening, stderr: () => stderr };
}

test('icmix serve: SIGTERM during an upload answers it, then exits 0', async () => {
  const m = makeTestModel({ shape: [6, 6, 1], classes: 3, oodThreshold: 0.4 });
  const cli = startCli([m.path, '--port', '0', '--max-batch', '4', '--max-wait-ms', '5']);
  const url = new URL(await cli.listening);
  assert.match(cli.stderr(), /6x6x1, 3 classes, T=1\.5, OOD threshold 0\.4000\) on cpu/);
  const health = await fetch(`${url.origin}/healthz`, { headers: { connection: 'close' } });
  assert.deepEqual(await health.json(), { status: 'ok', model: 'model.onnx', runtime: 'cpu' });

  const x = randomImages(1, m.shape, 5);
  const body = Buffer.from(JSON.stringify({ inputs: Array.from(x) }));
  const { req, response } = startUpload(url, body);
  req.write(body.subarray(0, 10));
  // Wait until the server has the request (its body still coming), then signal.
  while (!/^icmix_arriving_requests 1$/m.test(await (await fetch(`${url.origin}/metrics`, { headers: { connection: 'close' } })).text())) {
    await new Promise((r) => setTimeout(r, 20));
  }
  cli.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 100)); // give the signal a moment so the upload really overlaps the shutdown
  req.end(body.subarray(10));
  const res = await response;
  assert.equal(res.status, 200, res.text);
  assertClose((JSON.parse(res.text) as PredictResponse).predictions[0].probabilities, m.reference(x, 1)[0], 1e-5, 'in-flight');
  assert.equal(await cli.exited, 0, cli.stderr());
  assert.match(cli.stderr(), /SIGTERM, finishing in-flight requests[\s\S]*stopped/);
});

test('icmix serve: a missing model file is a one-line error and exit 1', async () => {
  const cli = startCli(['/nonexistent/model.onnx', '--port', '0']);
  assert.equal(await cli.exited, 1);
  assert.match(cli.stderr(), /^icmix: cannot read model \/nonexistent\/model\.onnx .*icmix export/m);
});

test('icmix serve: SIGTERM with a stalled upload exits after --shutdown-timeout-ms, saying it cut it off', async () => {
  const m = makeTestModel({ shape: [6, 6, 1], classes: 3 });
  const cli = startCli([m.path, '--port', '0', '--shutdown-timeout-ms', '300', '--body-timeout-ms', '60000']);
  const url = new URL(await cli.listening);
  const body = Buffer.from(JSON.stringify({ inputs: Array.from(randomImages(1, m.shape, 6)) }));
  const { req, response } = startUpload(url, body);
  response.catch(() => undefined); // the server cuts this one off
  req.write(body.subarray(0, 10)); // and then nothing more
  while (!/^icmix_arriving_requests 1$/m.test(await (await fetch(`${url.origin}/metrics`, { headers: { connection: 'close' } })).text())) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const t0 = Date.now();
  cli.child.kill('SIGTERM');
  const code = await Promise.race([cli.exited, new Promise<string>((r) => setTimeout(() => r('still running after 10 s'), 10_000))]);
  if (code === 'still running after 10 s') cli.child.kill('SIGKILL');
  assert.equal(code, 0, cli.stderr());
  assert.ok(Date.now() - t0 < 5000, `exit took ${Date.now() - t0} ms`);
  assert.match(cli.stderr(), /at most 300 ms[\s\S]*still open after 300 ms were cut off[\s\S]*stopped/);
  req.destroy();
});

test('icmix serve --port: a port in use or out of range is a message naming the port and what to do, not a stack trace', async () => {
  const m = makeTestModel({ shape: [6, 6, 1], classes: 3 });
  const holder = net.createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
  const port = (holder.address() as net.AddressInfo).port;
  try {
    const busy = startCli([m.path, '--port', String(port)]);
    assert.equal(await busy.exited, 1, busy.stderr());
    assert.match(busy.stderr(), new RegExp(`^icmix: port ${port} on 127\\.0\\.0\\.1 is already in use by another program; stop it, pick another port \\(--port\\), or use port 0`, 'm'));
    assert.doesNotMatch(busy.stderr(), /^\s+at /m);
  } finally {
    await new Promise((r) => holder.close(r));
  }
  for (const bad of ['70000', '-1', '1.5']) {
    const cli = startCli([m.path, '--port', bad]);
    assert.equal(await cli.exited, 2, cli.stderr());
    assert.match(cli.stderr(), new RegExp(`^icmix: --port must be an integer in 0\\.\\.65535, got ${bad.replace('.', '\\.')}`, 'm'));
    assert.doesNotMatch(cli.stderr(), /^\s+at /m);
  }
});
