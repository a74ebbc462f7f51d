/**
 * `icmix calibrate MODEL.onnx` refuses what it cannot calibrate before loading any data, with the
 * file, what is wrong and what to do.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { calibrateModel } from '../../src/infer/calibrate-model.js';
import { decodeModel, encodeModel } from '../../src/onnx/index.js';
import { tinyOnnx } from './runtimes/tiny-model.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'icmix-calib-refuse-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('a model with two outputs (logits and probabilities) is refused up front, naming its outputs', async () => {
  const m = decodeModel(tinyOnnx({ shape: [4, 4, 1], classes: 3, probabilities: true, noMetadata: true }));
  const g = m.graph!;
  g.node!.push({ opType: 'Identity', input: ['logits'], output: ['logits_out'] });
  g.output!.push({ ...g.output![0], name: 'logits_out' });
  const file = path.join(root, 'two.onnx');
  writeFileSync(file, encodeModel(m));
  // The dataset does not exist: the refusal must come before any data is read.
  await assert.rejects(
    calibrateModel(file, { dataset: `folder:${path.join(root, 'none')}` }),
    (e: Error) => /two\.onnx has 2 outputs \(y, logits_out\).*reads only the first.*one output/s.test(e.message),
  );
});
