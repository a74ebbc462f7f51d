import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Sgd } from '../../src/train/optimizer.js';
import { stepLr } from '../../src/train/schedule.js';

await tf.setBackend('cpu');

test('SGD with momentum and weight decay follows the PyTorch recurrence, worked by hand', () => {
  const w = tf.variable(tf.tensor1d([1, -2]), true, 'w');
  const sgd = new Sgd([w], { momentum: 0.9, weightDecay: 0.1 });
  // step 1: g = [0.5, 0.5] + 0.1*[1,-2] = [0.6, 0.3]; v = g; w = [1,-2] - 0.1*v = [0.94, -2.03]
  sgd.step({ w: tf.tensor1d([0.5, 0.5]) }, 0.1);
  assert.deepEqual(Array.from(w.dataSync()).map((v) => +v.toFixed(6)), [0.94, -2.03]);
  // step 2: g = [0,0] + 0.1*[0.94,-2.03] = [0.094,-0.203]; v = 0.9*[0.6,0.3] + g = [0.634, 0.067]
  // w = [0.94,-2.03] - 0.1*v = [0.8766, -2.0367]
  sgd.step({ w: tf.tensor1d([0, 0]) }, 0.1);
  assert.deepEqual(Array.from(w.dataSync()).map((v) => +v.toFixed(5)), [0.8766, -2.0367]);
  // the momentum state round-trips
  const state = sgd.getState();
  assert.deepEqual(Array.from(state).map((v) => +v.toFixed(5)), [0.634, 0.067]);
  const other = new Sgd([w], { momentum: 0.9, weightDecay: 0.1 });
  other.setState(state);
  assert.deepEqual(Array.from(other.getState()), Array.from(state));
});

test('step decay matches the paper schedule (x0.2 at 50/100/150 of 200 epochs)', () => {
  const m = [0.25, 0.5, 0.75];
  assert.equal(stepLr(0.1, 0, 200, m, 0.2), 0.1);
  assert.equal(stepLr(0.1, 49, 200, m, 0.2), 0.1);
  assert.ok(Math.abs(stepLr(0.1, 50, 200, m, 0.2) - 0.02) < 1e-12);
  assert.ok(Math.abs(stepLr(0.1, 150, 200, m, 0.2) - 0.1 * 0.008) < 1e-12);
});

test('setState leaves no tensor behind (resume and every worker replica call it)', () => {
  const w = tf.variable(tf.tensor1d([1, -2]));
  const sgd = new Sgd([w], { momentum: 0.9, weightDecay: 0 });
  const before = tf.memory();
  sgd.setState(Float32Array.from([0.5, 0.25]));
  sgd.setState(Float32Array.from([0.5, 0.25]));
  assert.equal(tf.memory().numTensors, before.numTensors);
  assert.deepEqual(Array.from(sgd.getState()), [0.5, 0.25]);
  sgd.dispose();
  w.dispose();
});
