/** ONNX Runtime's default thread count: the idle cores (cores minus load), never below 1 or above the cores. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultOrtThreads } from '../../../src/infer/runtimes/threads.js';

test('defaultOrtThreads gives the idle cores, at least 1 and at most every core', () => {
  assert.equal(defaultOrtThreads(2, 0.1), 2); // idle 2-core machine: both
  assert.equal(defaultOrtThreads(2, 0.7), 1); // one core mostly busy
  assert.equal(defaultOrtThreads(2, 6.2), 1); // oversubscribed: never 0
  assert.equal(defaultOrtThreads(16, 3.4), 13);
  assert.equal(defaultOrtThreads(8, 0), 8);
});
