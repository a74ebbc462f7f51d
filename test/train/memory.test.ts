import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../src/backend/select.js';
import { getMethod } from '../../src/train/methods/index.js';
import { activationFloatsPerImage } from '../../src/train/memory.js';
import { estimateStepBytes, largestFittingBatch } from '../../src/backend/step-memory.js';
import { isWasmOutOfMemory, WASM_HEAP_BYTES, wasmEngine } from '../../src/backend/engines/wasm.js';
import { buildModel } from '../../src/train/models/index.js';
import { IcmixError } from '../../src/util/errors.js';

test('the step estimate: activations twice, logits and targets, and ICM’s [b, b] matrices', () => {
  assert.equal(estimateStepBytes({ batchSize: 4, activationFloats: 100, numClasses: 10, pairwise: false }), 4 * (2 * 4 * 100 + 4 * 4 * 10));
  assert.equal(estimateStepBytes({ batchSize: 4, activationFloats: 100, numClasses: 10, pairwise: true }), 4 * (2 * 4 * 100 + 4 * 4 * 10 + 6 * 16));
  const s = { activationFloats: 1000, numClasses: 10, pairwise: true };
  const b = largestFittingBatch(s, WASM_HEAP_BYTES);
  assert.ok(estimateStepBytes({ ...s, batchSize: b }) <= WASM_HEAP_BYTES);
  assert.ok(estimateStepBytes({ ...s, batchSize: 2 * b }) > WASM_HEAP_BYTES);
  assert.equal(largestFittingBatch({ activationFloats: 2 ** 40, numClasses: 10, pairwise: false }, WASM_HEAP_BYTES), 0);
});

test('an ICM batch of 16384 is refused before training with a batch size that fits; the default fits', async () => {
  await useBackend('cpu');
  const icm = getMethod('icm');
  assert.equal(icm.pairwise, true);
  assert.ok(!getMethod('mixup').pairwise);
  for (const name of ['resnet20', 'mlp']) {
    const model = buildModel(name, [28, 28, 1], 10, { width: 1, seed: 0 });
    const activationFloats = activationFloatsPerImage(model);
    assert.ok(activationFloats > 28 * 28, `${name}: ${activationFloats} floats per image`);
    const step = { activationFloats, numClasses: 10, pairwise: true };
    assert.throws(() => wasmEngine.checkStep!({ ...step, batchSize: 16384 }), (e: unknown) => {
      assert.ok(e instanceof IcmixError);
      const m = /^batch size 16384 needs about [\d.]+ GiB per training step, more than the wasm backend's 4\.0 GiB heap; use a batch size of at most (\d+), or train on smaller images \(.*--image-size HxW.*\), or train on the tensorflow engine/.exec(e.message);
      assert.ok(m, e.message);
      const fits = Number(m[1]);
      assert.ok(fits >= 2 && estimateStepBytes({ ...step, batchSize: fits }) <= WASM_HEAP_BYTES, `${name}: suggested ${fits}`);
      return true;
    });
    wasmEngine.checkStep!({ ...step, batchSize: 128 });
    model.dispose();
  }
});

test('a wasm out-of-bounds error is recognised and translated with a smaller batch size', () => {
  assert.ok(isWasmOutOfMemory(new WebAssembly.RuntimeError('memory access out of bounds')));
  assert.ok(isWasmOutOfMemory(new Error('Aborted(OOM)')));
  assert.ok(!isWasmOutOfMemory(new TypeError('x is undefined')));
  const e = wasmEngine.outOfMemory!(new Error('Aborted(OOM)'), { batchSize: 16384, activationFloats: 3000, numClasses: 10, pairwise: true }, 'at epoch 1, step 1')!;
  assert.equal(wasmEngine.outOfMemory!(new TypeError('x is undefined'), { batchSize: 16384, activationFloats: 3000, numClasses: 10, pairwise: true }, 'at epoch 1, step 1'), undefined);
  assert.match(e.message, /^the wasm backend ran out of memory at epoch 1, step 1 at batch size 16384; use a batch size of at most (\d+)/);
  assert.ok(Number(/at most (\d+)/.exec(e.message)![1]) <= 8192);
});

test('data-parallel replicas each hold their slice of the activations, but the whole batch of pair matrices', async () => {
  const s = { batchSize: 128, activationFloats: 10_000, numClasses: 10, pairwise: true };
  const one = estimateStepBytes(s);
  const two = estimateStepBytes({ ...s, replicas: 2 });
  assert.equal(one - two, 4 * 2 * 64 * 10_000); // half the activations (x2 for gradients), float32
  assert.equal(estimateStepBytes({ ...s, replicas: 3 }), 4 * (2 * 43 * 10_000 + 4 * 128 * 10 + 6 * 128 * 128)); // ceil(128 / 3) rows
});
