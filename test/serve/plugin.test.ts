/**
 * icmix serve as a fastify plugin a host app registers (issue 26): the routes answer on the host,
 * the model's state is decorated on it as `icmix`, the host's own routes keep its own error
 * handling, and closing the host frees the model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { icmixServe, SERVE_DEFAULTS } from '../../src/serve/index.js';
import { makeTestModel, randomImages } from './fixtures.js';
import { assertClose } from './helpers.js';

test('a host registers icmixServe: predictions, app.icmix, its own routes untouched, close frees the model', async () => {
  const m = makeTestModel({ shape: [6, 6, 1], classes: 3 });
  const app = Fastify();
  app.get('/host', async () => ({ mine: true }));
  app.get('/host-error', async () => {
    throw new Error('host failure');
  });
  await app.register(icmixServe, { ...SERVE_DEFAULTS, model: m.path, web: false });
  await app.ready();
  let disposed = false;
  const dispose = app.icmix.model.dispose;
  app.icmix.model.dispose = async () => {
    disposed = true;
    await dispose();
  };
  try {
    assert.deepEqual(app.icmix.info.inputShape, [6, 6, 1]);
    assert.equal(app.icmix.doc.file, 'model.onnx');
    const x = randomImages(2, m.shape, 3);
    const res = await app.inject({ method: 'POST', url: '/v1/predict', payload: { inputs: [Array.from(x.subarray(0, 36)), Array.from(x.subarray(36))] } });
    assert.equal(res.statusCode, 200, res.body);
    const probs = (res.json() as { predictions: { probabilities: number[] }[] }).predictions.map((p) => p.probabilities);
    const want = m.reference(x, 2);
    for (let i = 0; i < 2; i++) assertClose(probs[i], want[i], 1e-5, `image ${i}`);
    assert.match((await app.inject({ url: '/metrics' })).body, /^icmix_predicted_images_total 2$/m);
    assert.deepEqual((await app.inject({ url: '/host' })).json(), { mine: true });
    // The host's errors keep fastify's own shape; icmix's routes answer in icmix's.
    const hostErr = (await app.inject({ url: '/host-error' })).json() as { message?: string; error?: unknown };
    assert.equal(hostErr.message, 'host failure');
    const bad = (await app.inject({ method: 'POST', url: '/v1/predict', payload: { inputs: [] } })).json() as { error: { code: string } };
    assert.equal(bad.error.code, 'missing_inputs');
  } finally {
    await app.close();
  }
  assert.ok(disposed, 'closing the host disposes the model');
});
