import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { useBackend } from '../../../src/backend/select.js';
import { evaluate } from '../../../src/infer/evaluate.js';
import { readModelInfo } from '../../../src/infer/model-info.js';
import { predictRaw } from '../../../src/infer/predict.js';
import { createRuntime } from '../../../src/infer/runtimes/index.js';
import { enginesHere } from '../../backend/engines-here.js';
import { writeIdxDataset } from '../suites/fixtures.js';
import { randomImages, tinyRunDir } from './tiny-model.js';

// onnxruntime-node's own WebGPU execution provider against its CPU provider, on a model that
// icmix export wrote. Where no WebGPU adapter exists these skip (CI, whose set-up installs
// lavapipe, fails instead), like the webgpu training engine's tests.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const skip = (await enginesHere()).find((e) => e.name === 'webgpu')!.skip;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('webgpu runtime: a resnet8 exported by icmix export gives cpu\'s outputs (NHWC logits, NCHW probabilities) within 1e-4', { skip }, async (t) => {
  const { buildModel } = await import('../../../src/train/models/index.js');
  const { saveLayersModel } = await import('../../../src/run/model-io.js');
  const { exportRun } = await import('../../../src/export/index.js');
  await useBackend('cpu');
  const s: [number, number, number] = [12, 12, 3];
  const { runDir } = await tinyRunDir({ shape: s, classes: 4, normalization: { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] } });
  await saveLayersModel(buildModel('resnet8', s, 4, { seed: 3, width: 0.25 }), path.join(runDir, 'model'));
  const images = randomImages(6, s, 11);
  for (const variant of [{}, { inputLayout: 'nchw', probabilities: true, temperature: 1.5 }] as const) {
    const out = path.join(runDir, `m-${Object.keys(variant).length}.onnx`);
    await exportRun(runDir, { ...variant, out, verify: false });
    const info = await readModelInfo(out);
    const outs: Float32Array[] = [];
    for (const name of ['cpu', 'webgpu'] as const) {
      const rt = await createRuntime(name, out, { info, threads: 1 });
      if (name === 'webgpu') assert.match(rt.note ?? '', /onnxruntime-node WebGPU EP on /);
      outs.push(await predictRaw(rt, info, images, 6, { batchSize: 3 }));
      await rt.dispose();
    }
    const d = maxAbsDiff(outs[0], outs[1]);
    t.diagnostic(`${JSON.stringify(variant)}: max |webgpu - cpu| ${d.toExponential(2)}`);
    assert.ok(d < 1e-4, `webgpu vs cpu ${d}`);
  }
});

test('webgpu runtime: eval\'s cross-runtime parity includes it beside cpu', { skip }, async () => {
  await useBackend('cpu');
  const dataDir = await writeIdxDataset({ h: 8, w: 8, classes: 3, train: 6, test: 20, seed: 1 });
  const { onnxPath } = await tinyRunDir({ shape: [8, 8, 1], classes: 3, normalization: { mean: [0.2], std: [0.3] }, hidden: 6, seed: 4 });
  const report = await evaluate({ model: onnxPath, dataset: `idx:${dataDir}`, runtimes: ['cpu', 'webgpu'], suites: ['id'], batchSize: 8, seed: 3 });
  const p = report.parity!.find((r) => r.a === 'cpu' && r.b === 'webgpu');
  assert.ok(p, JSON.stringify(report.parity));
  assert.equal(p.n, 20);
  assert.equal(p.top1Agreement, 1);
  assert.ok(p.maxAbsDiff < 1e-5, `max |cpu - webgpu| ${p.maxAbsDiff}`);
});

test('webgpu runtime with no adapter (no Vulkan driver): an error naming the fix, or cpu with --fallback cpu and a note', async () => {
  const { onnxPath } = await tinyRunDir({ shape: [3, 4, 2], classes: 3 });
  const script = `
    const { createRuntime } = await import('./src/infer/runtimes/index.ts');
    try { await createRuntime('webgpu', ${JSON.stringify(onnxPath)}); console.log('NO ERROR'); } catch (e) { console.log('ERROR ' + e.message); }
    const rt = await createRuntime('webgpu', ${JSON.stringify(onnxPath)}, { fallback: 'cpu' });
    console.log('FALLBACK ' + rt.name + ' ' + rt.note);`;
  // A Vulkan loader pointed at a driver file that does not exist finds no device.
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', env: { ...process.env, VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '/nonexistent/icd.json' } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /ERROR runtime 'webgpu' is unavailable: no WebGPU adapter: Dawn finds no Vulkan, Metal or D3D12 device \(on Debian, `bash scripts\/setup\.sh` installs Mesa's Vulkan drivers.*--fallback cpu/);
  assert.match(r.stdout, /FALLBACK cpu webgpu unavailable, ran on cpu instead: no WebGPU adapter/);
});
