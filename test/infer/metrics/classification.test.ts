import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracy, top5Accuracy, topKAccuracy, nll, nllFromLogits, brier, argmaxRows, NLL_CLAMP } from '../../../src/infer/metrics/index.js';

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b} (tol ${tol})`);

// C = 3, n = 4, worked by hand:
// row 0 [.7 .2 .1] y=0: top-1 correct
// row 1 [.2 .5 .3] y=2: top-1 wrong (argmax 1), label ranks 2nd
// row 2 [.4 .4 .2] y=1: tie between 0 and 1, first max is 0 → top-1 wrong, label ranks 2nd
// row 3 [.1 .1 .8] y=0: class 2 above; class 1 ties but has the higher index → label ranks 2nd
const probs = new Float32Array([0.7, 0.2, 0.1, 0.2, 0.5, 0.3, 0.4, 0.4, 0.2, 0.1, 0.1, 0.8]);
const labels = new Int32Array([0, 2, 1, 0]);

test('top-1 and top-k accuracy on a hand-worked example with ties', () => {
  assert.equal(accuracy(probs, labels, 3), 1 / 4);
  assert.equal(topKAccuracy(probs, labels, 3, 2), 1);
  // top-5 with 3 classes is top-3: always 1
  assert.equal(top5Accuracy(probs, labels, 3), 1);
  assert.deepEqual(Array.from(argmaxRows(probs, 3)), [0, 1, 0, 2]);
});

test('top-k rejects k outside [1, C]', () => {
  assert.throws(() => topKAccuracy(probs, labels, 3, 4), /k must be an integer in \[1, 3\]/);
  assert.throws(() => topKAccuracy(probs, labels, 3, 0), /k must be/);
});

test('NLL is the mean of −log p_y', () => {
  // −(ln .7 + ln .3 + ln .4 + ln .1) / 4
  const want = -(Math.log(0.7) + Math.log(0.3) + Math.log(0.4) + Math.log(0.1)) / 4;
  close(nll(probs, labels, 3), want, 1e-6);
});

test('NLL clamps p_y = 0 at 1e-12 instead of returning Infinity', () => {
  const p = new Float32Array([1, 0, 0.5, 0.5]);
  const y = new Int32Array([1, 0]);
  close(nll(p, y, 2), (-Math.log(NLL_CLAMP) - Math.log(0.5)) / 2, 1e-9);
});

test('NLL from logits equals NLL of the softmax and scales with temperature', () => {
  // logits [ln 3, 0] → p = [.75, .25]; y = 0 → ln(4/3); at T = 2: p0 = √3/(√3+1)
  const z = new Float32Array([Math.log(3), 0]);
  const y = new Int32Array([0]);
  close(nllFromLogits(z, y, 2), Math.log(4 / 3), 1e-7);
  close(nllFromLogits(z, y, 2, 2), -Math.log(Math.sqrt(3) / (Math.sqrt(3) + 1)), 1e-7);
});

test('Brier score on the hand-worked example', () => {
  // rows: .09+.04+.01=.14, .04+.25+.49=.78, .16+.36+.04=.56, .81+.01+.64=1.46 → mean .735
  close(brier(probs, labels, 3), 0.735, 1e-6);
});

test('all correct with confidence 1, all wrong, and a single class', () => {
  const onehot = new Float32Array([1, 0, 0, 1]);
  assert.equal(accuracy(onehot, new Int32Array([0, 1]), 2), 1);
  assert.equal(nll(onehot, new Int32Array([0, 1]), 2), 0);
  assert.equal(brier(onehot, new Int32Array([0, 1]), 2), 0);
  // all wrong and certain: Brier 2 per sample (1² + 1²), NLL the clamp
  assert.equal(accuracy(onehot, new Int32Array([1, 0]), 2), 0);
  assert.equal(brier(onehot, new Int32Array([1, 0]), 2), 2);
  close(nll(onehot, new Int32Array([1, 0]), 2), -Math.log(NLL_CLAMP), 1e-9);
  // C = 1: every prediction is class 0 with p = 1
  const single = new Float32Array([1, 1, 1]);
  const zeros = new Int32Array(3);
  assert.equal(accuracy(single, zeros, 1), 1);
  assert.equal(top5Accuracy(single, zeros, 1), 1);
  assert.equal(nll(single, zeros, 1), 0);
  assert.equal(brier(single, zeros, 1), 0);
});
