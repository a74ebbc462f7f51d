import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadRunModel } from '../../src/run/folder.js';
import { evaluateSet, prepareData, train } from '../../src/train/trainer.js';
import { resolveConfig } from '../../src/train/config.js';

// --keep best, --patience and extending a finished run, on the small cpu MLP of trainer.test.ts.
const base = { dataset: 'mnist', model: 'mlp', method: 'icm', trainSubset: 600, valSize: 100, batchSize: 32, maxStepsPerEpoch: 4, backend: 'cpu' as const, seed: 7 };
const tmp = () => mkdtempSync(path.join(tmpdir(), 'icmix-keep-'));
const logOf = (dir: string) => readFileSync(path.join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { epoch: number; valAccuracy: number });
const manifestOf = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));

test('--keep best: model/ holds the weights of the best validation epoch, named in the manifest', async () => {
  const out = tmp();
  // A jump to a 5x rate halfway makes the later epochs worse (seeded: the best is epoch 2 of 4).
  await train({ ...base, epochs: 4, lrMilestones: [0.5], lrGamma: 5, keep: 'best', out }, { quiet: true });
  const log = logOf(out);
  const best = log.reduce((b, l) => (l.valAccuracy > b.valAccuracy ? l : b));
  assert.equal(manifestOf(out).bestEpoch, best.epoch);
  assert.ok(best.epoch < 4, `this seeded case keeps an earlier epoch than the last (best ${best.epoch})`);
  // The saved model scores exactly the best epoch's validation accuracy on the same split.
  const { model, manifest } = await loadRunModel(out);
  const data = await prepareData(resolveConfig({ ...base, epochs: 4, out }), () => {});
  assert.equal((await evaluateSet(model, data.val, manifest.normalization, 256)).accuracy, best.valAccuracy);
  model.dispose();
});

test('--patience: training stops once that many epochs bring no new best, and a resumed run stays stopped', async () => {
  const out = tmp();
  // After the first tenth of training the rate is 1e-9 of itself: nothing improves any more.
  const cfg = { ...base, epochs: 8, lrMilestones: [0.1], lrGamma: 1e-9, patience: 2, out };
  const r = await train(cfg, { quiet: true });
  const log = logOf(out);
  const bestIndex = log.findIndex((l) => l.valAccuracy === Math.max(...log.map((x) => x.valAccuracy)));
  assert.ok(log.length < 8, `stopped early: ${log.length} epochs`);
  assert.equal(log.length - 1 - bestIndex, 2, 'stopped exactly when 2 epochs brought no new best');
  assert.deepEqual(manifestOf(out).stoppedEarly, { afterEpoch: log.length, patience: 2 });
  assert.ok(Number.isFinite(r.testAccuracy));
  await train(cfg, { quiet: true, resume: true });
  assert.equal(logOf(out).length, log.length, 'resuming an early-stopped run trains no further epoch');
});

test('--patience and --keep best need a validation split', async () => {
  await assert.rejects(train({ ...base, valSize: 0, epochs: 2, patience: 1, out: tmp() }, { quiet: true }), /--patience judges epochs by validation accuracy.*give --val-size a positive number/);
  await assert.rejects(train({ ...base, valSize: 0, epochs: 2, keep: 'best', out: tmp() }, { quiet: true }), /--keep best judges epochs/);
});

test('a finished run is extended by --resume with a larger --epochs (recorded), never shortened', async () => {
  const out = tmp();
  await train({ ...base, epochs: 2, out }, { quiet: true });
  await train({ ...base, epochs: 3, out }, { quiet: true, resume: true });
  assert.deepEqual(logOf(out).map((l) => l.epoch), [1, 2, 3]);
  assert.deepEqual(manifestOf(out).resumes.at(-1).changed, { epochs: [2, 3] });
  await assert.rejects(train({ ...base, epochs: 2, out }, { quiet: true, resume: true }), /--epochs 2 is fewer than the run's 3; a run is extended/);
});
