import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Arrivals } from '../../src/serve/arrivals.js';

test('Arrivals: each request leaves exactly once, whether queued, answered or gone', () => {
  let pokes = 0;
  const a = new Arrivals(() => pokes++);
  const gone: (() => void)[] = [];
  const r1 = {};
  const r2 = {};
  a.add(r1, (l) => gone.push(l));
  a.add(r1, (l) => gone.push(l)); // counted once
  a.add(r2, (l) => gone.push(l));
  assert.equal(a.count, 2);
  a.settle(r1); // queued
  assert.equal(a.count, 1);
  for (const l of gone) l(); // responses closed: r1 already left, r2 (an aborted upload) leaves now
  assert.equal(a.count, 0);
  a.settle(r2);
  assert.equal(a.count, 0);
  assert.equal(pokes, 2);
});
