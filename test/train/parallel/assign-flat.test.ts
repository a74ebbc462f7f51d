import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../../src/backend/select.js';
import { assignFlat } from '../../../src/train/parallel/batch.js';

// Each worker writes the averaged BatchNorm statistics back into its variables every step: a
// tensor left behind per variable per step would grow a replica's memory for the whole run.
test('assignFlat sets the variables from one flat array and leaves no tensor behind', async () => {
  await useBackend('cpu');
  const vars = [tf.variable(tf.zeros([2, 2])), tf.variable(tf.zeros([3]))];
  const flat = Float32Array.from([1, 2, 3, 4, 5, 6, 7]);
  const before = tf.memory();
  for (let i = 0; i < 5; i++) assignFlat(vars, flat);
  const after = tf.memory();
  assert.deepEqual(Array.from(vars[0].dataSync()), [1, 2, 3, 4]);
  assert.deepEqual(Array.from(vars[1].dataSync()), [5, 6, 7]);
  assert.equal(after.numTensors, before.numTensors, 'tensors left behind');
  assert.equal(after.numBytes, before.numBytes, 'bytes left behind');
  tf.dispose(vars);
});
