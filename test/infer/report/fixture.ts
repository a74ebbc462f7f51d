import type { EvalReport, CorruptionResult } from '../../../src/infer/report/index.js';
import {
  classificationMetrics,
  oodSetMetrics,
  parityResult,
  softmax,
  summariseCorruptions,
  temperatureCalibration,
  ece,
  nll,
  accuracy,
} from '../../../src/infer/metrics/index.js';
import { Rng } from '../../../src/util/rng.js';

/** Synthetic logits [n, C] whose true class gets a boost of `signal`, scaled by `scale`. */
export function syntheticLogits(rng: Rng, n: number, C: number, signal: number, scale: number): { logits: Float32Array; labels: Int32Array } {
  const logits = new Float32Array(n * C);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = rng.int(C);
    for (let c = 0; c < C; c++) logits[i * C + c] = scale * (rng.normal() + (c === labels[i] ? signal : 0));
  }
  return { logits, labels };
}

/** A complete report built with the real metric functions on synthetic data (every optional part). */
export function makeReport(seed = 1, method = 'icm', signal = 1.5): EvalReport {
  const rng = new Rng(seed);
  const C = 4;
  const test = syntheticLogits(rng, 300, C, signal, 3);
  const val = syntheticLogits(rng, 200, C, signal, 3);
  const oodZ = syntheticLogits(rng, 150, C, 0, 1).logits;
  const probs = softmax(test.logits, C);
  const probsWeb = probs.map((p, i) => (i % 7 === 0 ? p + 1e-7 : p));
  const corr: CorruptionResult[] = [];
  for (const name of ['gaussian-noise', 'contrast']) {
    for (let s = 1; s <= 5; s++) {
      const d = syntheticLogits(rng, 100, C, signal * (1 - s / 6), 3);
      const p = softmax(d.logits, C);
      corr.push({ corruption: name, severity: s, n: 100, accuracy: accuracy(p, d.labels, C), ece: ece(p, d.labels, C, 10), nll: nll(p, d.labels, C) });
    }
  }
  return {
    schemaVersion: 1,
    icmixVersion: '0.1.0',
    createdAt: '2025-01-01T00:00:00.000Z',
    model: {
      path: `runs/${method}/model.onnx`,
      method,
      dataset: 'fashion-mnist',
      classNames: ['a', 'b', 'c', 'd'],
      inputShape: [28, 28, 1],
      temperature: 1,
      output: 'logits',
      inputLayout: 'NHWC',
      normalizationBaked: true,
      runDir: `runs/${method}`,
    },
    dataset: { name: 'fashion-mnist', testSize: 300, source: 'synthetic' },
    settings: { suites: ['id', 'ood', 'corruptions'], bins: 10, batchSize: 64, seed, limit: 300 },
    runtimes: [
      {
        runtime: 'cpu',
        requested: 'cuda',
        note: 'CUDA provider binaries absent: fell back to cpu (--fallback cpu)',
        timing: { seconds: 1.5, idImagesPerSecond: 1000 },
        suites: {
          id: classificationMetrics(probs, test.labels, C, { bins: 10 }),
          ood: [{ name: 'gaussian-noise', kind: 'far', n: 150, scores: oodSetMetrics(test.logits, oodZ, C) }],
          corruptions: summariseCorruptions(corr),
        },
      },
      {
        runtime: 'web',
        note: 'wasm, 1 thread',
        suites: { id: classificationMetrics(probsWeb, test.labels, C, { bins: 10 }) },
      },
    ],
    calibration: temperatureCalibration({ ...val, split: 'val' }, test, C, { bins: 10 }),
    parity: [parityResult('cpu', probs, 'web', probsWeb, C, 'id')],
  };
}
