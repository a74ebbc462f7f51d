/** calibrateRun edits the run's model.onnx (no second export): same nodes plus Div and Softmax, all metadata kept. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

test('calibrateRun appends Div and Softmax to model.onnx and keeps every metadata entry', async () => {
  const { useBackend } = await import('../../src/backend/select.js');
  const { exportRun } = await import('../../src/export/index.js');
  const { calibrateRun } = await import('../../src/infer/calibrate.js');
  const { decodeModel, metadataOf } = await import('../../src/onnx/index.js');
  const { META } = await import('../../src/types.js');
  const { calibrationRun } = await import('./calibration-run.js');
  await useBackend('cpu');
  const { runDir } = await calibrationRun(3, 6);
  await exportRun(runDir, { inputLayout: 'nchw', metadata: { 'user.note': 'from model.onnx' } });
  const plain = decodeModel(readFileSync(path.join(runDir, 'model.onnx')));
  const r = await calibrateRun(runDir, { bins: 5, backend: 'cpu' });
  assert.ok(r.verificationMaxAbsDiff < 1e-6, `max |Δp| ${r.verificationMaxAbsDiff}`);
  const cal = decodeModel(readFileSync(r.path));
  const ops = (m: typeof cal) => m.graph!.node!.map((n) => n.opType);
  assert.deepEqual(ops(cal), [...ops(plain), 'Div', 'Softmax']);
  assert.deepEqual(cal.graph!.output!.map((o) => o.name), ['probabilities']);
  const before = metadataOf(plain);
  const after = metadataOf(cal);
  assert.equal(after['user.note'], 'from model.onnx');
  assert.equal(after[META.inputLayout], 'NCHW');
  for (const [k, v] of Object.entries(before)) if (k !== META.output && k !== META.temperature) assert.equal(after[k], v, k);
  assert.equal(Number(after[META.temperature]), r.calibration.temperature);
  assert.deepEqual(JSON.parse(after[META.oodThreshold]), r.oodThreshold);
});

test('calibrateRun refuses a model.onnx that already outputs probabilities', async () => {
  const { useBackend } = await import('../../src/backend/select.js');
  const { exportRun } = await import('../../src/export/index.js');
  const { calibrateRun } = await import('../../src/infer/calibrate.js');
  const { calibrationRun } = await import('./calibration-run.js');
  await useBackend('cpu');
  const { runDir } = await calibrationRun(3, 6);
  await exportRun(runDir, { probabilities: true });
  await assert.rejects(calibrateRun(runDir, { bins: 5, backend: 'cpu' }), /outputs probabilities; calibration fits T on plain logits\. Re-export it/);
});
