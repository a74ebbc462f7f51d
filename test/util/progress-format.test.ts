import { test } from 'node:test';
import assert from 'node:assert/strict';
import { etaSeconds, formatDuration, formatFigure, trainingStepsLeft } from '../../src/util/progress-format.js';

test('formatFigure keeps small learning rates readable (0.0004 was printed as 0.000)', () => {
  assert.equal(formatFigure(0.0004), '4.00e-4');
  assert.equal(formatFigure(1e-5), '1.00e-5');
  assert.equal(formatFigure(0.00123456), '1.23e-3');
  assert.equal(formatFigure(0.1), '0.100');
  assert.equal(formatFigure(0.5), '0.500');
  assert.equal(formatFigure(12.345), '12.3');
  assert.equal(formatFigure(1234.6), '1235');
  assert.equal(formatFigure(0), '0');
  assert.equal(formatFigure(NaN), 'NaN');
});

test('etaSeconds extrapolates the pace over what is left; unknown before the first unit', () => {
  assert.equal(etaSeconds(10, 5, 20), 40);
  assert.equal(etaSeconds(10, 5, 0), 0);
  assert.ok(Number.isNaN(etaSeconds(3, 0, 10)));
  assert.equal(formatDuration(etaSeconds(60, 10, 650)), '1:05:00');
});

test('trainingStepsLeft counts the rest of this epoch and every later epoch', () => {
  // 10 epochs of 100 steps: after step 0 of epoch 0, 999 steps remain.
  assert.equal(trainingStepsLeft(0, 0, 10, 100), 999);
  assert.equal(trainingStepsLeft(3, 49, 10, 100), 6 * 100 + 50);
  assert.equal(trainingStepsLeft(9, 99, 10, 100), 0);
  // Halfway through epoch 1 of 10 after 50 s: the whole run's ETA, not the epoch's.
  const left = trainingStepsLeft(0, 49, 10, 100);
  assert.equal(etaSeconds(50, 50, left), 950);
});
