/**
 * A folder dataset's labels are its sorted folder names; a model's outputs are in its own class
 * order. When both are named and the same names sit at other indices, every label would be read
 * as another class: eval and calibrate refuse, naming the first class out of place.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { calibrateModel } from '../../src/infer/calibrate-model.js';
import { evaluate } from '../../src/infer/evaluate.js';
import { classOrderMismatch } from '../../src/infer/model-overrides.js';
import { writeClasses } from '../data/folder-fixtures.js';
import { tinyOnnx } from './runtimes/tiny-model.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'icmix-class-order-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('the check: same names at other indices is a mismatch; unnamed or disjoint names are not', () => {
  assert.match(classOrderMismatch('folder:x', ['cat', 'dog'], ['dog', 'cat'], 'm.onnx') ?? '', /folder:x's class 0 is cat but m\.onnx's output 0 is dog \(cat is its output 1\)/);
  assert.match(classOrderMismatch('folder:x', ['bird', 'cat'], ['cat', 'dog', 'bird'], 'm.onnx') ?? '', /class 0 is bird but m\.onnx's output 0 is cat/);
  assert.equal(classOrderMismatch('folder:x', ['cat', 'dog'], ['cat', 'dog', 'emu'], 'm.onnx'), undefined);
  assert.equal(classOrderMismatch('folder:x', ['cat', 'dog'], ['0', '1'], 'm.onnx'), undefined);
  assert.equal(classOrderMismatch('folder:x', ['Cat', 'Dog'], ['tabby', 'hound'], 'm.onnx'), undefined);
});

test('eval and calibrate refuse a folder whose sorted classes are the model\'s in another order', async () => {
  const data = path.join(root, 'pets');
  writeClasses(path.join(data, 'train'), ['cat', 'dog'], 6);
  writeClasses(path.join(data, 'test'), ['cat', 'dog'], 3, { start: 20 });
  const model = path.join(root, 'm.onnx');
  writeFileSync(model, tinyOnnx({ shape: [8, 8, 1], classes: 2, noMetadata: true }));
  const overrides = { classNames: ['dog', 'cat'], normalize: false as const };
  const dataset = `folder:${data}`;
  const want = /class 0 is cat but .*m\.onnx's output 0 is dog/;
  await assert.rejects(evaluate({ model, dataset, suites: ['id'], overrides }), want);
  await assert.rejects(calibrateModel(model, { dataset, valSize: 2, overrides }), want);
  // In the model's order, it runs.
  const r = await evaluate({ model, dataset, suites: ['id'], overrides: { classNames: ['cat', 'dog'], normalize: false } });
  assert.equal(r.runtimes.length, 1);
});
