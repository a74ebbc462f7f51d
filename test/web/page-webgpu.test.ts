import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { createServer, type IcmixServer } from '../../src/serve/index.js';
import { makeTestModel, randomImages, type TestModel } from '../serve/fixtures.js';
import { launchChromium } from './browser.js';

/**
 * The web page on onnxruntime-web's WebGPU provider, in headless Chromium given SwiftShader's
 * WebGPU adapter: it says it runs on webgpu, and its probabilities equal the wasm path's.
 */

const N = 3;
let m: TestModel;
let s: IcmixServer;
let browser: Browser;
let url: string;

interface Hook {
  icmix: { ready: Promise<void>; provider: string; classify(p: number[]): Promise<{ probabilities: number[] }> };
}

before(async () => {
  m = makeTestModel({ shape: [28, 28, 1], classes: 10, temperature: 1.7, oodThreshold: 0.45, seed: 3 });
  s = await createServer({ model: m.path, port: 0, host: '127.0.0.1' });
  url = await s.listen();
  browser = await launchChromium({ webgpu: true });
});

after(async () => {
  await browser?.close();
  await s?.close();
});

async function pageOn(query: string): Promise<{ provider: string; status: string; probs: number[][] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(`${url}/${query}`);
    await page.evaluate(() => (window as unknown as Hook).icmix.ready);
    assert.deepEqual(errors, []);
    const provider = await page.evaluate(() => (window as unknown as Hook).icmix.provider);
    const x = randomImages(N, m.shape, 77);
    const probs: number[][] = [];
    for (let i = 0; i < N; i++) {
      const px = Array.from(x.subarray(i * 784, (i + 1) * 784));
      probs.push((await page.evaluate((p) => (window as unknown as Hook).icmix.classify(p), px)).probabilities);
    }
    return { provider, status: (await page.textContent('#status'))!, probs };
  } finally {
    await page.close();
  }
}

test('with a WebGPU adapter the page runs onnxruntime-web on webgpu, says so, and gives the wasm path\'s probabilities within 1e-5', async (t) => {
  const gpu = await pageOn('');
  const wasm = await pageOn('?ep=wasm');
  assert.equal(gpu.provider, 'webgpu');
  assert.match(gpu.status, /onnxruntime-web on webgpu/);
  assert.equal(wasm.provider, 'wasm');
  let worst = 0;
  gpu.probs.forEach((row, i) => row.forEach((p, k) => (worst = Math.max(worst, Math.abs(p - wasm.probs[i][k])))));
  t.diagnostic(`max |p_webgpu - p_wasm| = ${worst.toExponential(2)}`);
  assert.ok(worst < 1e-5, `max |p_webgpu - p_wasm| = ${worst}`);
});
