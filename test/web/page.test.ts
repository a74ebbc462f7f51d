import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { PNG } from 'pngjs';
import type { Browser, Page } from 'playwright-core';
import { normalize } from '../../web/normalize.js';
import { reliabilityBins } from '../../src/infer/metrics/calibration.js';
import { preprocess } from '../../src/infer/preprocess.js';
import { createServer, decodeImage, type IcmixServer, type PredictResponse } from '../../src/serve/index.js';
// @ts-expect-error plain JS module shared with the browser page
import { imageToPixels } from '../../web/preprocess.js';
import { makeTestModel, randomImages, type TestModel } from '../serve/fixtures.js';
import { launchChromium } from './browser.js';

/**
 * The web page in headless Chromium against a real `icmix serve` on loopback: its onnxruntime-web
 * probabilities must equal the Node CPU runtime's within 1e-4.
 */

const ARTIFACTS = path.resolve('test-artifacts');
const N = 4;

interface PageResult {
  probabilities: number[];
  label: string;
  confidence: number;
  ood: boolean | null;
  top: { index: number; label: string; probability: number }[];
}

let m: TestModel;
let s: IcmixServer;
let browser: Browser;
let page: Page;
let url: string;
let bins: ReturnType<typeof reliabilityBins>;

before(async () => {
  m = makeTestModel({ shape: [28, 28, 1], classes: 10, temperature: 1.7, oodThreshold: 0.45, seed: 3 });
  // A report.json beside the model, as icmix eval writes it, for the reliability diagram.
  const x = randomImages(200, m.shape, 9);
  const probs = Float32Array.from(m.reference(x, 200).flat());
  // Labels: mostly the model's own top class, so the diagram looks like a real model's.
  const labels = Int32Array.from({ length: 200 }, (_, i) => {
    const row = probs.subarray(i * 10, i * 10 + 10);
    const top = row.indexOf(Math.max(...row));
    return i % 4 === 0 ? (top + 1) % 10 : top;
  });
  bins = reliabilityBins(probs, labels, 10, { bins: 10 });
  const report = { schemaVersion: 1, dataset: { name: 'synthetic', testSize: 200 }, runtimes: [{ runtime: 'cpu', suites: { id: { n: 200, accuracy: 0.1, ece: 0.2, reliability: bins } } }] };
  writeFileSync(path.join(m.dir, 'report.json'), JSON.stringify(report));
  s = await createServer({ model: m.path, port: 0, host: '127.0.0.1' });
  url = await s.listen();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${url}/`);
  await page.evaluate(() => (window as unknown as { icmix: { ready: Promise<void> } }).icmix.ready);
  assert.deepEqual(errors, []);
});

after(async () => {
  await browser?.close();
  await s?.close();
});

test('the page loads the model over onnxruntime-web and reads metadata from /v1/model', async () => {
  const provider = await page.evaluate(() => (window as unknown as { icmix: { provider: string } }).icmix.provider);
  assert.ok(provider === 'wasm' || provider === 'webgpu', provider);
  const status = await page.textContent('#status');
  assert.match(status!, /model\.onnx: 28x28x1 input, 10 classes, temperature 1\.7; onnxruntime-web on (wasm|webgpu)/);
});

test('browser probabilities equal the Node CPU runtime within 1e-4; top-k and OOD flag agree', async () => {
  const x = randomImages(N, m.shape, 77);
  const node = await s.model.predict(x, N); // the Node CPU runtime (onnxruntime-node)
  const http = (await s.app.inject({ method: 'POST', url: '/v1/predict', payload: { inputs: Array.from({ length: N }, (_, i) => Array.from(x.subarray(i * 784, (i + 1) * 784))) } })).json() as PredictResponse;
  for (let i = 0; i < N; i++) {
    const pixels = Array.from(x.subarray(i * 784, (i + 1) * 784));
    const r = await page.evaluate((px) => (window as unknown as { icmix: { classify(p: number[]): Promise<PageResult> } }).icmix.classify(px), pixels);
    assert.equal(r.probabilities.length, 10);
    let maxDiff = 0;
    for (let k = 0; k < 10; k++) maxDiff = Math.max(maxDiff, Math.abs(r.probabilities[k] - node[i * 10 + k]));
    assert.ok(maxDiff <= 1e-4, `image ${i}: max |p_web - p_node| = ${maxDiff}`);
    assert.equal(r.label, http.predictions[i].label);
    assert.equal(r.ood, http.predictions[i].ood);
    assert.deepEqual(r.top.map((t) => t.index), http.predictions[i].top.map((t) => t.index));
    // What the page shows is this result.
    assert.equal(await page.textContent('#ood'), r.ood ? 'out of distribution' : 'in distribution');
    assert.match((await page.textContent('#confidence'))!, new RegExp(`^${r.label}: ${(r.confidence * 100).toFixed(1)}% confident`));
  }
});

test("the page's normalisation module (/web/normalize.js in Chromium) gives Node's numbers bit for bit", async () => {
  // Every 8-bit pixel value; std 0.2 is where dividing instead of multiplying by 1/std would show.
  const shape: [number, number, number] = [8, 8, 3];
  const pixels = Array.from({ length: 2 * 8 * 8 * 3 }, (_, i) => Math.fround((i % 256) / 255));
  const norm = { mean: [0.4, 0.4914, 0.4465], std: [0.2, 0.2435, 0.2616] };
  const served = await (await fetch(`${url}/web/normalize.js`)).text();
  assert.equal(served, readFileSync(path.resolve('web/normalize.js'), 'utf8'));
  type Out = { nhwc: number[]; nchw: number[]; training: number[] };
  // A source string, not a function: the test transpiler would add helpers the page lacks.
  const args = JSON.stringify({ px: pixels, nrm: norm, shp: shape });
  const browserOut = (await page.evaluate(`(async () => {
    const { px, nrm, shp } = ${args};
    const m = await import('/web/normalize.js');
    const run = (layout) => Array.from(m.toModelInput(px, 2, { inputShape: shp, inputLayout: layout, normalization: nrm, normalizationBaked: false }).data);
    return { nhwc: run('NHWC'), nchw: run('NCHW'), training: Array.from(m.normalize(px, shp, nrm)) };
  })()`)) as Out;
  const x = Float32Array.from(pixels);
  const info = (inputLayout: 'NHWC' | 'NCHW') => ({ inputShape: shape, inputLayout, normalization: norm, normalizationBaked: false });
  assert.deepEqual(browserOut.nhwc, Array.from(preprocess(x, 2, info('NHWC')).data));
  assert.deepEqual(browserOut.nchw, Array.from(preprocess(x, 2, info('NCHW')).data));
  assert.deepEqual(browserOut.training, Array.from(normalize(x, shape, norm)));
});

test('the reliability diagram has one accuracy bar per non-empty bin of report.json', async () => {
  const bars = await page.locator('#reliability rect[fill="#3056d3"]').count();
  assert.equal(bars, bins.filter((b) => b.count > 0).length);
  assert.match((await page.textContent('#reliability-note'))!, /ECE 20\.00%/);
});

test('drawing on the pad classifies the downscaled drawing like the Node runtime', async () => {
  const box = (await page.locator('#pad').boundingBox())!;
  await page.click('#clear');
  await page.mouse.move(box.x + 140, box.y + 50);
  await page.mouse.down();
  for (const [x, y] of [[140, 120], [140, 200], [150, 240], [180, 240]]) await page.mouse.move(box.x + x, box.y + y, { steps: 5 });
  await page.mouse.up();
  type Last = { pixels: number[]; result: PageResult };
  await page.waitForFunction(() => {
    const last = (window as unknown as { icmix: { last?: Last } }).icmix.last;
    return last !== undefined && last.pixels.some((v) => v > 0.5);
  });
  await page.waitForTimeout(200); // let any coalesced rerun for the final stroke finish
  const last = await page.evaluate(() => (window as unknown as { icmix: { last: Last } }).icmix.last);
  const lit = last.pixels.filter((v) => v > 0.2).length;
  assert.ok(lit > 15 && lit < 300, `${lit} lit pixels in the 28x28 drawing`);
  const node = await s.model.predict(Float32Array.from(last.pixels), 1);
  for (let k = 0; k < 10; k++) assert.ok(Math.abs(last.result.probabilities[k] - node[k]) <= 1e-4);
  assert.match((await page.textContent('#confidence'))!, new RegExp(`^${last.result.label}: `));
});

test('a dropped PNG of another size: the page resizes with the server\'s code, bit for bit, and agrees with POST /v1/predict', async () => {
  const served = await (await fetch(`${url}/web/resize.js`)).text();
  assert.equal(served, readFileSync(path.resolve('web/resize.js'), 'utf8'));
  // The server's decoder and the page call one function (web/preprocess.js's imageToPixels).
  const serverCode = readFileSync(path.resolve('src/image/decode.ts'), 'utf8');
  assert.match(serverCode, /return imageToPixels\(img\.data, img\.height, img\.width, shape\)/);
  assert.match(readFileSync(path.resolve('web/app.js'), 'utf8'), /imageToPixels\(img\.rgba, img\.height, img\.width, info\.inputShape\)/);
  for (const [h, w, seed] of [[45, 37, 5], [120, 90, 6], [20, 20, 7]] as const) {
    // An opaque colour photo-like picture: smooth gradients plus noise, so rounding would show.
    const rgba = Buffer.alloc(h * w * 4);
    let r = seed;
    for (let p = 0; p < h * w; p++) {
      const [y, x] = [Math.floor(p / w), p % w];
      r = (r * 1103515245 + 12345) % 2 ** 31;
      rgba.set([(x * 255) / w + (r % 40), (y * 255) / h, ((x + y) * 97) % 256, 255].map((v) => Math.min(255, Math.round(v))), 4 * p);
    }
    const png = new PNG({ width: w, height: h });
    png.data.set(rgba);
    const bytes = PNG.sync.write(png);
    type Last = { pixels: number[]; result: PageResult };
    const web = await page.evaluate(
      ([b]) => (window as unknown as { icmix: { classifyFile(b: number[], t: string): Promise<Last> } }).icmix.classifyFile(b, 'image/png'),
      [Array.from(bytes)] as const,
    );
    // The tensor: what the server's decoder makes of the same bytes, bit for bit.
    const node = await decodeImage(bytes, 'png', m.shape);
    assert.deepEqual(web.pixels, Array.from(node), `${w}x${h}: the page's pixels differ from the server's`);
    assert.deepEqual(Array.from(node), Array.from(imageToPixels(PNG.sync.read(bytes).data, h, w, m.shape)));
    // The answer: POST /v1/predict with the file's bytes, against the page's onnxruntime-web.
    const res = (await s.app.inject({ method: 'POST', url: '/v1/predict', headers: { 'content-type': 'image/png' }, payload: bytes })).json() as PredictResponse;
    const served = res.predictions[0];
    let maxDiff = 0;
    for (let k = 0; k < 10; k++) maxDiff = Math.max(maxDiff, Math.abs(web.result.probabilities[k] - served.probabilities[k]));
    assert.ok(maxDiff <= 1e-4, `${w}x${h}: max |p_page - p_server| = ${maxDiff}`);
    assert.equal(web.result.label, served.label);
    assert.equal(web.result.ood, served.ood);
  }
});

test('a screenshot of the page is kept in test-artifacts/', async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, 'web-page.png');
  await page.screenshot({ path: file, fullPage: true });
  assert.ok(statSync(file).size > 10_000, 'screenshot is suspiciously small');
  const png = PNG.sync.read(readFileSync(file));
  assert.ok(png.width >= 800 && png.height >= 600);
  const colours = new Set<number>();
  for (let p = 0; p < png.width * png.height; p += 97) colours.add(png.data.readUInt32BE(4 * p));
  assert.ok(colours.size > 20, `screenshot has only ${colours.size} colours`);
});
