import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DynamicBatcher, type BatcherOptions } from '../../src/serve/batcher.js';

/**
 * The batcher with a fake model: item size 2, output size 1, output = x0 * 10 + x1, so every
 * answer says which input it came from. Waits are 60 s, so nothing here runs by timer: batches
 * run because they are full, because nobody else is coming, or because of drain().
 */

function setup(opts: Partial<BatcherOptions> = {}) {
  const runs: number[] = [];
  let active = 0;
  let maxActive = 0;
  let fail = false;
  const b = new DynamicBatcher(
    async (x, n) => {
      runs.push(n);
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setImmediate(r));
      active--;
      if (fail) throw new Error('model failed');
      return Float32Array.from({ length: n }, (_, i) => x[2 * i] * 10 + x[2 * i + 1]);
    },
    { maxBatch: 4, maxWaitMs: 60_000, itemSize: 2, outSize: 1, ...opts },
  );
  return { b, runs, maxActive: () => maxActive, setFail: (v: boolean) => (fail = v) };
}

const item = (...ids: number[]) => Float32Array.from(ids.flatMap((id) => [Math.floor(id / 10), id % 10]));
const tick = () => new Promise((r) => setImmediate(r));

test('a full batch runs at once and each request gets its own rows back', async () => {
  const { b, runs } = setup();
  const res = await Promise.all([b.submit(item(12), 1), b.submit(item(34, 56), 2), b.submit(item(78), 1)]);
  assert.deepEqual(runs, [4]);
  assert.deepEqual(res.map((r) => Array.from(r)), [[12], [34, 56], [78]]);
});

test('requests are never split; one larger than max batch runs alone', async () => {
  const { b, runs } = setup();
  const res = await Promise.all([b.submit(item(11, 12, 13), 3), b.submit(item(21, 22, 23), 3), b.submit(item(...Array.from({ length: 9 }, (_, i) => 31 + i)), 9)]);
  assert.deepEqual(runs, [3, 3, 9]);
  assert.deepEqual(Array.from(res[1]), [21, 22, 23]);
  assert.equal(res[2].length, 9);
});

test('a partial batch waits while requests are arriving and runs as soon as none are', async () => {
  let arriving = 2;
  const { b, runs } = setup({ arriving: () => arriving });
  const p1 = b.submit(item(1), 1);
  arriving = 1;
  await tick();
  assert.deepEqual(runs, [], 'one request is still on its way: wait for it');
  const p2 = b.submit(item(2), 1);
  arriving = 0;
  b.poke();
  assert.deepEqual(Array.from(await p1), [1]);
  assert.deepEqual(Array.from(await p2), [2]);
  assert.deepEqual(runs, [2]);
});

test('drain() runs what is queued without waiting and resolves when idle', async () => {
  const { b, runs } = setup({ arriving: () => 1 });
  const p = b.submit(item(42), 1);
  await tick();
  assert.deepEqual(runs, []);
  await b.drain();
  assert.deepEqual(runs, [1]);
  assert.deepEqual(Array.from(await p), [42]);
  assert.deepEqual(b.pending, { images: 0, running: 0 });
});

test('a failed model call rejects its requests; the next batch still runs', async () => {
  const { b, setFail } = setup({ maxBatch: 2 });
  setFail(true);
  const failed = [b.submit(item(1), 1), b.submit(item(2), 1)];
  for (const f of failed) await assert.rejects(f, /model failed/);
  setFail(false);
  const ok = await Promise.all([b.submit(item(3), 1), b.submit(item(4), 1)]);
  assert.deepEqual(ok.map((r) => r[0]), [3, 4]);
});

test('max batch 1 turns batching off: requests run concurrently, one each', async () => {
  const { b, runs, maxActive } = setup({ maxBatch: 1 });
  const res = await Promise.all([1, 2, 3].map((i) => b.submit(item(i), 1)));
  assert.deepEqual(runs, [1, 1, 1]);
  assert.equal(maxActive(), 3);
  assert.deepEqual(res.map((r) => r[0]), [1, 2, 3]);
});
