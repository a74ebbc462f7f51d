import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { webgpuDevice } from '../../src/backend/engines/webgpu.js';
import { useBackend } from '../../src/backend/select.js';
import { isSoftwareAdapter, listAdapters, parseAdapterList, pickAdapter, softwareOnlyNote, type AdapterInfo } from '../../src/backend/webgpu/adapters.js';
import { addNChunk } from '../../src/backend/webgpu/kernels.js';
import { train } from '../../src/train/trainer.js';
import { softwareGpuWarning } from '../../src/train/warnings.js';
import { IcmixError } from '../../src/util/errors.js';
import { enginesHere } from './engines-here.js';
import { relDiff } from './rel-diff.js';

const skip = (await enginesHere()).find((e) => e.name === 'webgpu')!.skip;
const tmp = () => mkdtempSync(path.join(tmpdir(), 'icmix-webgpu-'));

const lavapipe: AdapterInfo = { index: 0, name: 'llvmpipe (LLVM 15.0.6, 256 bits)', backend: 'vulkan', vendor: 'mesa', description: 'llvmpipe', software: true };
const rtx: AdapterInfo = { index: 1, name: 'NVIDIA GeForce RTX 4090', backend: 'vulkan', vendor: 'nvidia', description: 'NVIDIA', software: false };

test('adapters: Dawn\'s list is parsed, software ones are recognised, --gpu-adapter picks by index or name and names the choices when wrong', () => {
  const msg = "no suitable backends found\nAvailable adapters:\n * backend: 'vulkan', name: 'llvmpipe (LLVM 15.0.6, 256 bits)'\n * backend: 'vulkan', name: 'NVIDIA GeForce RTX 4090'\n";
  assert.deepEqual(parseAdapterList(msg), [{ backend: 'vulkan', name: 'llvmpipe (LLVM 15.0.6, 256 bits)' }, { backend: 'vulkan', name: 'NVIDIA GeForce RTX 4090' }]);
  assert.ok(isSoftwareAdapter('SwiftShader Device (Subzero)') && isSoftwareAdapter('anything', true) && !isSoftwareAdapter('AMD Radeon RX 7900'));
  assert.equal(pickAdapter([lavapipe, rtx]), rtx, 'the default is the first hardware adapter');
  assert.equal(pickAdapter([lavapipe, rtx], '0'), lavapipe);
  assert.equal(pickAdapter([lavapipe, rtx], 'geforce'), rtx);
  assert.throws(() => pickAdapter([lavapipe, rtx], '2'), (e: Error) => e instanceof IcmixError && /--gpu-adapter 2: there are 2 WebGPU adapter\(s\) here \(0: llvmpipe .*\(software\); 1: NVIDIA/.test(e.message));
  assert.throws(() => pickAdapter([lavapipe, rtx], 'radeon'), /--gpu-adapter 'radeon' names no WebGPU adapter here/);
  assert.throws(() => pickAdapter([], undefined), /no WebGPU adapter found: .*scripts\/setup\.sh/);
  assert.match(softwareOnlyNote([lavapipe])!, /only WebGPU adapter is a software one \(llvmpipe.*\): fine for tests, far too slow to train/);
  assert.equal(softwareOnlyNote([lavapipe, rtx]), undefined);
});

test('a software adapter on a long run warns with the measured img/s; a short run does not', () => {
  const w = softwareGpuWarning('llvmpipe', 12.5, 100_000, 1, 300);
  assert.equal(w?.kind, 'software-gpu');
  assert.match(w!.message, /software adapter \(llvmpipe\) at a measured 12\.5 img\/s, about 2\.2 h for the rest of this run: fine for tests, far too slow to train; pick a hardware GPU with --gpu-adapter/);
  assert.equal(softwareGpuWarning('llvmpipe', 12.5, 1000, 1, 300), undefined);
});

test('webgpu: the adapters listed here have a name, a vendor and a kind', { skip }, async () => {
  const adapters = await listAdapters();
  assert.ok(adapters.length > 0);
  for (const a of adapters) assert.ok(a.name && a.vendor && typeof a.software === 'boolean', JSON.stringify(a));
});

test('webgpu: AddN over more tensors than a shader may bind equals cpu\'s (tfjs-webgpu\'s own drops the command)', { skip }, async () => {
  const n = 40;
  const values = Array.from({ length: n }, (_, i) => Float32Array.from({ length: 33 }, (_, j) => Math.sin(i * 7 + j)));
  const sum = async () => {
    const ts = values.map((v) => tf.tensor1d(v));
    const out = tf.addN(ts);
    const got = (await out.data()) as Float32Array;
    tf.dispose([...ts, out]);
    return got;
  };
  await useBackend('cpu');
  const ref = await sum();
  await useBackend('webgpu');
  assert.ok(n > addNChunk(tf.backend() as never), `the case needs more inputs than one shader takes (${addNChunk(tf.backend() as never)})`);
  const before = tf.memory().numTensors;
  const got = await sum();
  assert.ok(relDiff(got, ref) < 1e-6, `relative difference ${relDiff(got, ref)}`);
  assert.equal(tf.memory().numTensors, before, 'no partial sum is left behind');
});

test('webgpu: a device lost mid-run stops with the epoch and step and keeps the checkpoint; the next run gets a new device', { skip }, async () => {
  const out = tmp();
  const cfg = { dataset: 'mnist', model: 'mlp', method: 'icm', trainSubset: 200, valSize: 40, batchSize: 32, maxStepsPerEpoch: 3, workers: 1, seed: 4, backend: 'webgpu' as const, epochs: 3, out };
  await assert.rejects(
    train(cfg, { onProgress: (e) => { if (e.task === 'epoch 2/3' && e.done === 1) webgpuDevice()!.destroy(); } }),
    (e: Error) => e instanceof IcmixError && /the GPU device on adapter '.*' was lost \(destroyed.*\) at epoch 2, step 2; the checkpoint after epoch 1 in .* is kept: continue it with --resume/.test(e.message),
  );
  assert.ok(existsSync(path.join(out, 'checkpoint')));
  const r = await train(cfg, { quiet: true, resume: true });
  assert.equal(r.epochs.length, 3);
});

test('webgpu: a run on a software adapter that would be long warns in progress and in the manifest', { skip }, async (t) => {
  const soft = (await listAdapters()).find((a) => a.software);
  if (!soft) return t.skip('no software adapter here');
  process.env.ICMIX_LONG_RUN_SECONDS = '0';
  try {
    const out = tmp();
    const lines: string[] = [];
    await train(
      { dataset: 'mnist', model: 'mlp', method: 'ce', trainSubset: 200, valSize: 40, batchSize: 32, maxStepsPerEpoch: 5, workers: 1, seed: 1, backend: 'webgpu', gpuAdapter: String(soft.index), epochs: 1, out },
      { onProgress: (e) => e.message && lines.push(e.message) },
    );
    assert.ok(lines.some((l) => /warning: the webgpu engine runs on a software adapter .* at a measured [\d.]+ img\/s/.test(l)), lines.join('\n'));
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    assert.ok(manifest.warnings.some((w: { kind: string }) => w.kind === 'software-gpu'));
    assert.equal(manifest.versions.adapterKind, 'software');
  } finally {
    delete process.env.ICMIX_LONG_RUN_SECONDS;
  }
});

test('--gpu-adapter on another engine is refused naming the fix', async () => {
  await assert.rejects(train({ dataset: 'mnist', backend: 'cpu', gpuAdapter: '0', out: tmp() }, { quiet: true }), /--gpu-adapter picks a WebGPU adapter and applies to --backend webgpu only.*add --backend webgpu/);
});
