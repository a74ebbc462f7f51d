import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { prepareData, regenerateSplits } from '../../src/run/split.js';
import { checkOutFolder, clearRunOutputs } from '../../src/run/folder.js';
import type { RunManifest } from '../../src/run/manifest.js';
import { resolveConfig } from '../../src/train/config.js';

test('calibration regenerates exactly the validation split training held out (one split function)', async () => {
  for (const protocol of [{ trainSubset: 500, valSize: 60 }, { imbalance: 10, valSize: 40 }, { perClass: 12, valSize: 30 }]) {
    const cfg = resolveConfig({ dataset: 'mnist', out: 'unused', seed: 11, ...protocol });
    const data = await prepareData(cfg);
    const manifest = {
      config: cfg,
      dataset: { name: 'mnist', protocol: data.protocol, trainSize: data.train.labels.length, valSize: data.val.labels.length, testSize: data.test.labels.length, classCounts: data.classCounts },
    } as unknown as RunManifest;
    const { val, test: testSet } = await regenerateSplits(manifest);
    assert.deepEqual(Array.from(val.labels), Array.from(data.val.labels), JSON.stringify(protocol));
    assert.deepEqual(Buffer.from(val.images.buffer), Buffer.from(data.val.images.buffer));
    assert.equal(testSet.labels.length, data.test.labels.length);
  }
});

test('checkOutFolder allows a missing or empty folder, refuses a file or a non-empty folder without --resume/--overwrite', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'icmix-out-'));
  await checkOutFolder(path.join(root, 'new'), {});
  await checkOutFolder(root, {});
  writeFileSync(path.join(root, 'a-file'), 'x');
  await assert.rejects(checkOutFolder(path.join(root, 'a-file'), {}), /is a file/);
  await assert.rejects(checkOutFolder(root, {}), /is not empty \(a-file\)/);
  await checkOutFolder(root, { resume: true });
  await checkOutFolder(root, { overwrite: true });
});

test('clearRunOutputs removes what a run made and keeps everything else', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'icmix-out-'));
  const made = ['manifest.json', 'log.jsonl', 'model', 'checkpoint', 'model.onnx', 'model.calibrated.onnx', 'calibration.json', 'report.json', 'report.md', 'reliability-cpu.svg'];
  const kept = ['notes.txt', 'stages.json', 'model.onnx.bak'];
  for (const f of made) (f === 'model' || f === 'checkpoint' ? mkdirSync(path.join(root, f)) : writeFileSync(path.join(root, f), 'x'));
  for (const f of kept) writeFileSync(path.join(root, f), 'x');
  assert.deepEqual((await clearRunOutputs(root)).sort(), [...made].sort());
  assert.deepEqual(readdirSync(root).sort(), [...kept].sort());
});
