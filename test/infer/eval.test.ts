import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { useBackend } from '../../src/backend/select.js';
import { loadDataset } from '../../src/data/index.js';
import { evaluate } from '../../src/infer/evaluate.js';
import { accuracy, auroc, mspScore, nll, softmax } from '../../src/infer/metrics/index.js';
import { validateReport, writeReport } from '../../src/infer/report/index.js';
import { IcmixError } from '../../src/util/errors.js';
import type { ProgressEvent } from '../../src/util/progress-event.js';
import { referenceLogits, tinyRunDir, type TinySpec } from './runtimes/tiny-model.js';
import { writeIdxDataset } from './suites/fixtures.js';

const norm = { mean: [0.2], std: [0.3] };
const spec: TinySpec = { shape: [8, 8, 1], classes: 3, normalization: norm, hidden: 6, seed: 4 };

test('evaluate end to end: cpu, web and tfjs on all suites, matching a hand computation', async () => {
  await useBackend('cpu');
  const dataDir = await writeIdxDataset({ h: 8, w: 8, classes: 3, train: 6, test: 24, seed: 1 });
  const otherDir = await writeIdxDataset({ h: 8, w: 8, classes: 3, train: 4, test: 10, seed: 9 });
  const { runDir, onnxPath, weights } = await tinyRunDir(spec);
  const dataset = `idx:${dataDir}`;
  const progress: ProgressEvent[] = [];
  const report = await evaluate({
    model: onnxPath,
    dataset,
    runtimes: ['cpu', 'web', 'tfjs'],
    batchSize: 5,
    bins: 10,
    seed: 3,
    ood: ['gaussian-noise', 'inverted', `idx:${otherDir}`],
    corruptions: ['contrast', 'rotate'],
    corruptionSamples: 10,
    tfjsBackend: 'cpu',
    onProgress: (e) => progress.push(e),
  });
  validateReport(JSON.parse(JSON.stringify(report)), 'test report');
  // One bar over every batch of every set on every runtime, counted up front: batches of 5 over
  // id (24 images: 5), 3 OOD sets (24, 24, 10: 5 + 5 + 2), 10 corruption sets (10: 2 each) = 37, x 3 runtimes.
  const bar = progress.filter((e) => e.done !== undefined);
  assert.ok(bar.every((e) => e.task === 'evaluate' && e.total === 111));
  assert.deepEqual(bar.map((e) => e.done), Array.from({ length: 111 }, (_, i) => i + 1));
  assert.deepEqual(bar[0].fields, { set: 'id', on: 'cpu' });
  assert.deepEqual(bar.at(-1)!.fields, { set: 'corruptions:rotate:5', on: 'tfjs' });
  assert.ok(progress.at(-1)!.finished && /^evaluated 111 batches \(id, ood, corruptions\) on cpu, web, tfjs in /.test(progress.at(-1)!.message!));
  // Besides the bar, only a few phase lines (loading, runtimes, OOD sets), not a line per set.
  assert.ok(progress.filter((e) => e.message && !e.finished).length <= 5);
  assert.deepEqual(report.runtimes.map((r) => r.runtime), ['cpu', 'web', 'tfjs']);
  assert.equal(report.model.runDir, runDir);
  assert.equal(report.dataset.testSize, 24);
  assert.deepEqual(report.settings.suites, ['id', 'ood', 'corruptions']);
  // The corruption cap is recorded; no OOD cap was asked for, so none is claimed.
  assert.equal(report.settings.corruptionSamples, 10);
  assert.equal(report.settings.oodSamples, undefined);

  // Hand computation of the id metrics.
  const test = (await loadDataset(dataset)).test;
  const x = test.images.map((v) => (v - norm.mean[0]) / norm.std[0]);
  const logits = Float32Array.from(referenceLogits(x, 24, spec, weights));
  const probs = softmax(logits, 3);
  for (const r of report.runtimes) {
    const idm = r.suites.id!;
    assert.equal(idm.n, 24);
    assert.equal(idm.accuracy, accuracy(probs, test.labels, 3));
    assert.ok(Math.abs(idm.nll - nll(probs, test.labels, 3)) < 1e-5);
    assert.equal(idm.bins, 10);
    assert.ok(r.timing && r.timing.seconds > 0 && r.timing.idImagesPerSecond! > 0);
    // OOD: the inverted set's MSP AUROC by hand.
    const inv = test.images.map((v) => 1 - v).map((v) => (v - norm.mean[0]) / norm.std[0]);
    const invLogits = referenceLogits(Float32Array.from(inv), 24, spec, weights);
    const want = auroc(mspScore(logits, 3), mspScore(invLogits, 3));
    const got = r.suites.ood!.find((s) => s.name === 'inverted')!;
    assert.equal(got.n, 24);
    assert.ok(Math.abs(got.scores.msp!.auroc - want) < 1e-9, `${got.scores.msp!.auroc} vs ${want}`);
    assert.deepEqual(Object.keys(got.scores).sort(), ['energy', 'maxLogit', 'msp', 'negEntropy']);
    assert.deepEqual(r.suites.ood!.map((s) => s.name), ['gaussian-noise', 'inverted', `idx:${otherDir}`]);
    assert.equal(r.suites.ood![2].n, 10);
    // Corruptions: 2 x 5 sets of 10 images, means over them.
    const c = r.suites.corruptions!;
    assert.equal(c.results.length, 10);
    for (const cr of c.results) assert.equal(cr.n, 10);
    assert.ok(Math.abs(c.mean.accuracy - c.results.reduce((s, v) => s + v.accuracy, 0) / 10) < 1e-12);
    assert.deepEqual(c.perCorruption.map((p) => p.corruption), ['contrast', 'rotate']);
  }
  // Parity: 3 pairs on id, 3 OOD sets and the pooled corruptions.
  const suites = new Set(report.parity!.map((p) => p.suite));
  assert.deepEqual([...suites], ['id', 'ood:gaussian-noise', 'ood:inverted', `ood:idx:${otherDir}`, 'corruptions']);
  assert.equal(report.parity!.length, 15);
  for (const p of report.parity!) {
    assert.equal(p.top1Agreement, 1, `${p.a}/${p.b} on ${p.suite}`);
    assert.ok(p.maxAbsDiff < 1e-5, `${p.a}/${p.b} on ${p.suite}: ${p.maxAbsDiff}`);
  }
  assert.equal(report.parity!.find((p) => p.suite === 'corruptions')!.n, 100);

  const outDir = path.join(runDir, 'eval-out');
  const files = await writeReport(outDir, report);
  for (const f of files) assert.ok(existsSync(f));
  assert.ok((await fs.readFile(path.join(outDir, 'report.md'), 'utf8')).includes('| cpu'));
});

test('evaluate refuses data whose image shape differs from the model input, and unknown suites', async () => {
  const dataDir = await writeIdxDataset({ h: 6, w: 6, classes: 3, train: 4, test: 4 });
  const { onnxPath } = await tinyRunDir(spec);
  await assert.rejects(evaluate({ model: onnxPath, dataset: `idx:${dataDir}`, suites: ['id'] }), (e: Error) => e instanceof IcmixError && /\[6,6,1\].*\[8,8,1\]/.test(e.message));
  await assert.rejects(evaluate({ model: onnxPath, dataset: `idx:${dataDir}`, suites: ['idd' as 'id'] }), (e: Error) => e instanceof IcmixError && /unknown suite/.test(e.message));
  await assert.rejects(evaluate({ model: onnxPath, suites: ['id'] }), (e: Error) => e instanceof IcmixError && /--dataset/.test(e.message));
});
