/** ONNX Runtime's default thread count: every core, at least 1. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { defaultOrtThreads } from '../../../src/infer/runtimes/threads.js';

test('defaultOrtThreads is every core, never 0', () => {
  assert.equal(defaultOrtThreads(2), 2);
  assert.equal(defaultOrtThreads(16), 16);
  assert.equal(defaultOrtThreads(0), 1);
  assert.equal(defaultOrtThreads(), availableParallelism());
});
