import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { ENGINES, autoEngine, getEngine } from '../../src/backend/engines/index.js';
import { BACKEND_NAMES, activeEngine, resolveEngine, useBackend } from '../../src/backend/select.js';
import { fusedTrainingInstalled } from '../../src/backend/fused/layer.js';
import { leanConvInstalled } from '../../src/backend/fused/lean-conv.js';
import { enginesHere } from './engines-here.js';

test('--backend takes auto and every registered engine; unknown names are refused naming the choices', () => {
  assert.deepEqual(BACKEND_NAMES, ['auto', ...ENGINES.map((e) => e.name)]);
  assert.throws(() => getEngine('opencl'), /unknown engine 'opencl': choose auto, tensorflow, wasm, webgpu, cpu/);
});

test("'auto' is the available engine of highest priority (never the cpu reference)", () => {
  const best = ENGINES.filter((e) => e.priority > 0 && e.available().ok).sort((a, b) => b.priority - a.priority)[0];
  assert.equal(autoEngine(), best);
  assert.equal(resolveEngine('auto'), best);
  assert.notEqual(resolveEngine('auto').name, 'cpu');
});

test('each engine installs its own patches and removes them when another takes over', async () => {
  // The registry keeps copies of gradient configs: compare their functions.
  const reluGrad = () => tf.getGradient(tf.Relu)?.gradFunc;
  await useBackend('cpu');
  const coreRelu = reluGrad();
  assert.ok(!fusedTrainingInstalled() && !leanConvInstalled(), 'the cpu reference runs tfjs-layers unpatched');
  await useBackend('wasm');
  assert.equal(activeEngine()?.name, 'wasm');
  assert.ok(fusedTrainingInstalled() && leanConvInstalled());
  assert.equal(reluGrad(), coreRelu, 'wasm keeps tfjs\'s Relu gradient');
  await useBackend('cpu');
  assert.ok(!fusedTrainingInstalled() && !leanConvInstalled(), 'wasm\'s patches do not leak to cpu');
  if ((await enginesHere()).find((e) => e.name === 'tensorflow')!.skip === false) {
    // Loading tfjs-node re-registers every core gradient (from the @tensorflow/tfjs bundle), so
    // 'before' is taken once it has loaded.
    await useBackend('tensorflow');
    await useBackend('cpu');
    const before = reluGrad();
    await useBackend('tensorflow');
    assert.ok(fusedTrainingInstalled() && leanConvInstalled());
    assert.notEqual(reluGrad(), before, 'tensorflow routes the Relu gradient through ReluGrad');
    await useBackend('cpu');
    assert.equal(reluGrad(), before, 'tensorflow\'s Relu gradient does not leak to cpu');
    assert.ok(!fusedTrainingInstalled() && !leanConvInstalled());
  }
});
