import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { useBackend } from '../../src/backend/select.js';
import { validateReport } from '../../src/infer/report/index.js';
import { cudaUnavailableReason } from '../../src/infer/runtimes/index.js';
import { tinyRunDir, type TinySpec } from './runtimes/tiny-model.js';
import { writeIdxDataset } from './suites/fixtures.js';

const spec: TinySpec = { shape: [8, 8, 1], classes: 3, normalization: { mean: [0.2], std: [0.3] }, hidden: 6 };

function icmix(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 60_000 });
}

test('icmix eval writes the report next to the model and prints the summary; bad input gets a plain error', async () => {
  await useBackend('cpu');
  const dataDir = await writeIdxDataset({ h: 8, w: 8, classes: 3, train: 6, test: 20 });
  const { runDir } = await tinyRunDir(spec);
  // A run folder as the argument stands for its model.onnx.
  const r = icmix(['eval', runDir, '--dataset', `idx:${dataDir}`, '--runtime', 'cpu,web', '--ood', 'uniform-noise', '--corruptions', 'brightness', '--severities', '1,5', '--bins', '5']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\| cpu \| cpu \|/);
  assert.match(r.stdout, /Cross-runtime parity/);
  assert.match(r.stderr, /icmix eval: .*wrote/);
  const report = JSON.parse(await fs.readFile(path.join(runDir, 'report.json'), 'utf8'));
  validateReport(report);
  assert.equal(report.runtimes.length, 2);
  assert.equal(report.runtimes[0].suites.corruptions.results.length, 2);
  assert.equal(report.settings.bins, 5);
  for (const f of ['report.md', 'reliability-cpu.svg', 'reliability-web.svg']) assert.ok(existsSync(path.join(runDir, f)), f);

  const bad = icmix(['eval', path.join(runDir, 'model.onnx'), '--dataset', `idx:${dataDir}`, '--runtime', 'cpu,tpu']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^icmix: unknown runtime 'tpu'/);
  const cuda = icmix(['eval', path.join(runDir, 'model.onnx'), '--dataset', `idx:${dataDir}`, '--runtime', 'cuda', '--suite', 'id']);
  if (cudaUnavailableReason()) {
    assert.equal(cuda.status, 1);
    assert.match(cuda.stderr, /^icmix: runtime 'cuda' is unavailable.*ONNXRUNTIME_NODE_INSTALL=cuda12/m);
  } else {
    assert.equal(cuda.status, 0, cuda.stderr);
  }
});
