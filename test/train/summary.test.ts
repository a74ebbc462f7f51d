import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../src/backend/select.js';
import { buildModel } from '../../src/train/models/index.js';
import { formatModelSummary, summarizeModel } from '../../src/train/summary.js';

before(() => useBackend('cpu'));

test('the model summary counts parameters by hand: the cnn on 28x28x1 with 10 classes', () => {
  const s = summarizeModel(buildModel('cnn', [28, 28, 1], 10, { seed: 0 }));
  // conv1 3*3*1*32; bn1 4*32 (gamma, beta trainable; moving mean, variance not); conv2 3*3*32*64;
  // bn2 4*64; fc1 (7*7*64)*128 + 128; head 128*10 + 10.
  const trainable = 288 + 64 + 18432 + 128 + 3136 * 128 + 128 + 1290;
  assert.equal(s.trainableParams, trainable);
  assert.equal(s.nonTrainableParams, 64 + 128);
  const byName = new Map(s.layers.map((l) => [l.name, l]));
  assert.deepEqual(byName.get('conv2')!.outputShapes, [[14, 14, 64]]);
  assert.equal(byName.get('bn2')!.params, 256);
  assert.equal(byName.get('flatten')!.params, 0);
  const text = formatModelSummary(s);
  assert.match(text, /^model cnn: 11 layers/);
  assert.match(text, /conv2 \(Conv2D\)\s+\[14, 14, 64\]\s+18,432/);
  assert.match(text, new RegExp(`parameters: ${(trainable + 192).toLocaleString('en-US')} \\(${trainable.toLocaleString('en-US')} trainable, 192 non-trainable`));
});

test('icmix inspect on a model folder prints that summary (and a folder without a model is named)', async () => {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const { spawnSync } = await import('node:child_process');
  const { saveLayersModel } = await import('../../src/run/index.js');
  const dir = mkdtempSync(path.join(tmpdir(), 'icmix-inspect-'));
  const model = buildModel('resnet8', [12, 12, 3], 5, { seed: 1 });
  await saveLayersModel(model, path.join(dir, 'model'));
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'inspect', dir, '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), JSON.parse(JSON.stringify(summarizeModel(model))));
  const empty = mkdtempSync(path.join(tmpdir(), 'icmix-inspect-'));
  const bad = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'inspect', empty], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /is a folder without model\.json or model\/model\.json; give a run folder/);
});
