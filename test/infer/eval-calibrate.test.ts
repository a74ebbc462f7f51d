import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrateFromLogits } from '../../src/infer/calibrate.js';
import { mspScore, softmax } from '../../src/infer/metrics/index.js';
import { Rng } from '../../src/util/rng.js';

/** Logits z and labels drawn from softmax(z / T0): temperature scaling should recover T0. */
function synthetic(n: number, C: number, t0: number, seed: number): { logits: Float32Array; labels: Int32Array } {
  const rng = new Rng(seed);
  const logits = Float32Array.from({ length: n * C }, () => 3 * rng.normal());
  const p = softmax(logits, C, t0);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let u = rng.next();
    let k = 0;
    while (k < C - 1 && u >= p[i * C + k]) u -= p[i * C + k++];
    labels[i] = k;
  }
  return { logits, labels };
}

test('calibrateFromLogits recovers the generating temperature and sets the OOD threshold at 95% validation TPR', () => {
  const C = 5;
  const val = synthetic(4000, C, 2.5, 1);
  const testSet = synthetic(2000, C, 2.5, 2);
  const { calibration, oodThreshold } = calibrateFromLogits(val, testSet, C, { bins: 10 });
  assert.ok(Math.abs(calibration.temperature - 2.5) < 0.2, `T = ${calibration.temperature}`);
  assert.equal(calibration.fitSplit, 'val');
  assert.ok(calibration.fitNllAfter < calibration.fitNllBefore);
  assert.ok(calibration.after.nll < calibration.before.nll);
  assert.ok(calibration.after.ece < calibration.before.ece);
  assert.equal(calibration.before.accuracy, calibration.after.accuracy);
  // The threshold keeps at least 95% of validation scores, and is the largest such value.
  const s = mspScore(val.logits, C, calibration.temperature);
  const kept = s.filter((v) => v >= oodThreshold.threshold).length / s.length;
  const keptAbove = s.filter((v) => v > oodThreshold.threshold).length / s.length;
  assert.ok(kept >= 0.95 && keptAbove < 0.95, `kept ${kept}, strictly above ${keptAbove}`);
  assert.equal(oodThreshold.score, 'msp');
  assert.equal(oodThreshold.tpr, 0.95);
});

test('calibrateRun: T fitted on the regenerated validation split, calibrated ONNX with T and the OOD threshold, picked up by evaluate', async () => {
  const { useBackend } = await import('../../src/backend/select.js');
  const { applyProtocol, loadDataset } = await import('../../src/data/index.js');
  const { calibrateRun } = await import('../../src/infer/calibrate.js');
  const { evaluate } = await import('../../src/infer/evaluate.js');
  const { readModelInfo } = await import('../../src/infer/model-info.js');
  const { fitTemperature } = await import('../../src/infer/metrics/index.js');
  const { validateReport } = await import('../../src/infer/report/index.js');
  const { referenceLogits, tinyRunDir } = await import('./runtimes/tiny-model.js');
  const { writeIdxDataset } = await import('./suites/fixtures.js');
  const { existsSync } = await import('node:fs');
  const path = await import('node:path');
  await useBackend('cpu');
  const spec = { shape: [8, 8, 1] as [number, number, number], classes: 3, normalization: { mean: [0.2], std: [0.3] }, hidden: 6, seed: 2 };
  const dataDir = await writeIdxDataset({ h: 8, w: 8, classes: 3, train: 40, test: 20, seed: 5 });
  const dataset = `idx:${dataDir}`;
  const { runDir, weights } = await tinyRunDir(spec, {
    config: { dataset, seed: 7, valSize: 12 },
    dataset: { name: dataset, protocol: { seed: 7 }, trainSize: 28, valSize: 12, testSize: 20, classCounts: [] },
  });
  const r = await calibrateRun(runDir, { bins: 5, backend: 'cpu' });
  assert.equal(r.path, path.join(runDir, 'model.calibrated.onnx'));
  assert.ok(r.verificationMaxAbsDiff < 1e-5);
  // T by hand: the tiny network's logits on the same validation split.
  const full = await loadDataset(dataset);
  const { val } = applyProtocol(full.train, { valSize: 12, seed: 7 });
  const z = Float32Array.from(referenceLogits(val.images.map((v) => (v - 0.2) / 0.3), 12, spec, weights));
  const want = fitTemperature(z, val.labels, 3).temperature;
  assert.ok(Math.abs(r.calibration.temperature - want) < 1e-3 * want, `${r.calibration.temperature} vs ${want}`);
  const info = await readModelInfo(r.path);
  assert.equal(info.output, 'probabilities');
  assert.ok(Math.abs(info.temperature - r.calibration.temperature) < 1e-9);
  assert.deepEqual(info.oodThreshold, r.oodThreshold);
  assert.ok(existsSync(r.calibrationFile));
  const report = await evaluate({ model: r.path, dataset, suites: ['id'], bins: 5 });
  validateReport(JSON.parse(JSON.stringify(report)));
  assert.equal(report.calibration?.temperature, r.calibration.temperature);
  assert.ok(Math.abs(report.runtimes[0].suites.id!.nll - r.calibration.after.nll) < 1e-5);
});
