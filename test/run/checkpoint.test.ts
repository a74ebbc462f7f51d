import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readCheckpointState } from '../../src/run/checkpoint.js';
import { train } from '../../src/train/trainer.js';

// Issue 13 item 7: a garbage checkpoint/state.json must not read as "no checkpoint".
const base = {
  dataset: 'mnist',
  model: 'mlp',
  method: 'icm',
  trainSubset: 300,
  valSize: 50,
  batchSize: 32,
  maxStepsPerEpoch: 2,
  epochs: 3,
  backend: 'cpu' as const,
  seed: 5,
};
const quiet = { quiet: true };

test('an unreadable state.json is named, the last complete epoch folder offered, and following the offer resumes', async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'icmix-ckpt-'));
  await train({ ...base, out }, { ...quiet, onEpoch: (l) => (l.epoch === 2 ? Promise.reject(new Error('killed')) : undefined) }).catch((e: Error) => assert.equal(e.message, 'killed'));
  const ckpt = path.join(out, 'checkpoint');
  const stateFile = path.join(ckpt, 'state.json');
  const folder = path.join(ckpt, 'epoch-0002');

  for (const garbage of ['{"epoch": 2, "fol', 'null', '{"epoch": 2, "folder": "../model"}', '\u0000\u0001garbage']) {
    writeFileSync(stateFile, garbage);
    await assert.rejects(train({ ...base, out }, { ...quiet, resume: true }), (e: Error) => {
      assert.ok(e.message.includes(`the checkpoint state file ${stateFile} is unreadable`), e.message);
      assert.ok(e.message.includes(`last complete epoch folder is ${folder} (after epoch 2)`), e.message);
      assert.ok(!/without --resume/.test(e.message), 'never suggests starting over without --resume');
      return true;
    });
    assert.ok(readFileSync(path.join(folder, 'weights.bin')).length > 0, 'the epoch folder is kept');
  }

  // The offer: the state file it names, then --resume again.
  const offered = /write (\{.*?\}) into/.exec(
    await train({ ...base, out }, { ...quiet, resume: true }).then(
      () => '',
      (e: Error) => e.message,
    ),
  );
  assert.ok(offered, 'the message says what to write');
  writeFileSync(stateFile, offered[1]);
  const r = await train({ ...base, out }, { ...quiet, resume: true });
  assert.deepEqual(r.epochs.map((l) => l.epoch), [1, 2, 3]);
  assert.equal((await readCheckpointState(ckpt))?.epoch, 3);
});

test('a state file with no complete epoch folder beside it says the run cannot be resumed', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'icmix-ckpt-'));
  writeFileSync(path.join(dir, 'state.json'), '{');
  await assert.rejects(readCheckpointState(dir), (e: Error) => e.message.includes(`${path.join(dir, 'state.json')} is unreadable`) && /cannot be resumed/.test(e.message));
});
