/**
 * `export --out` and `calibrate --out` keep files they did not make for this run (issue 25 item 9):
 * another run's model.onnx, a user's file, another calibration's record. Before, an export replaced
 * another run's model.onnx and every calibration into one folder wrote the same calibration.json.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main.js';
import { idImage, writePng } from '../data/folder-fixtures.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'icmix-overwrite-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
process.env.ICMIX_CACHE_DIR = path.join(tmp, 'cache');
after(() => delete process.env.ICMIX_CACHE_DIR);
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
const [runA, runB, out] = ['a', 'b', 'deploy'].map((d) => path.join(tmp, d));

before(async () => {
  const data = path.join(tmp, 'data');
  for (let i = 0; i < 12; i++) {
    writePng(path.join(data, 'bright', `b${i}.png`), 8, 8, idImage(40 + i, 8, 8, true));
    writePng(path.join(data, 'dark', `d${i}.png`), 8, 8, idImage(i, 8, 8, true));
  }
  for (const [run, seed] of [[runA, '1'], [runB, '2']]) {
    await main(['train', '--dataset', `folder:${data}`, '--model', 'mlp', '--epochs', '1', '--batch-size', '8', '--val-size', '4', '--seed', seed, '--backend', 'cpu', '--out', run, '--quiet']);
  }
  mkdirSync(out);
});

test('export --out refuses another run\'s model.onnx and a user\'s file without --force; its own export is remade', async () => {
  const target = path.join(out, 'model.onnx');
  await main(['export', runA, '--out', target, '--quiet']);
  const a = sha(target);
  await assert.rejects(main(['export', runB, '--out', target, '--quiet']), /model\.onnx already exists and is made from other weights .*pass --force to replace it/);
  assert.equal(sha(target), a, 'run A\'s export is intact');
  await main(['export', runA, '--out', target, '--quiet']); // the same weights: remade
  await main(['export', runB, '--out', target, '--force', '--quiet']);
  assert.notEqual(sha(target), a);
  const notes = path.join(out, 'notes.onnx');
  writeFileSync(notes, 'my notes');
  await assert.rejects(main(['export', runA, '--out', notes, '--quiet']), /notes\.onnx already exists and is not a file icmix made for this model/);
  assert.equal(readFileSync(notes, 'utf8'), 'my notes');
});

test('calibrate --out names its record after the model, so two calibrations in one folder both survive', async () => {
  const x = path.join(out, 'x.onnx');
  const y = path.join(out, 'y.onnx');
  await main(['calibrate', runA, '--out', x, '--backend', 'cpu', '--quiet']);
  await main(['calibrate', runB, '--out', y, '--backend', 'cpu', '--quiet']);
  const rx = JSON.parse(readFileSync(path.join(out, 'x.calibration.json'), 'utf8'));
  const ry = JSON.parse(readFileSync(path.join(out, 'y.calibration.json'), 'utf8'));
  assert.equal(rx.model, 'x.onnx');
  assert.equal(ry.model, 'y.onnx');
  assert.notEqual(rx.weightsSha256, ry.weightsSha256);
  assert.ok(!existsSync(path.join(out, 'calibration.json')));
  // Run B's calibration onto run A's copy is refused; run A's own is remade.
  const before = sha(x);
  await assert.rejects(main(['calibrate', runB, '--out', x, '--backend', 'cpu', '--quiet']), /x\.onnx already exists and is made from other weights/);
  assert.equal(sha(x), before);
  await main(['calibrate', runA, '--out', x, '--backend', 'cpu', '--quiet']);
  // The run's own calibration still goes to calibration.json beside model.calibrated.onnx.
  await main(['calibrate', runA, '--backend', 'cpu', '--quiet']);
  assert.ok(existsSync(path.join(runA, 'calibration.json')));
});
