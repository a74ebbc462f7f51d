import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Ajv from 'ajv';
import { createServer, type IcmixServer } from '../../src/serve/index.js';
import { pngBomb } from '../../bench/hostile-images.js';
import { makeTestModel, randomImages, type TestModel } from './fixtures.js';
import { encodePng, startUpload, toRgba } from './helpers.js';

/** GET /openapi.json is generated from the route schemas, and live answers match it (issue 14). */

let m: TestModel;
let s: IcmixServer;
let doc: {
  openapi: string;
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: object }> }; responses: Record<string, { content?: Record<string, { schema: object }> }> }>>;
  components: { schemas: Record<string, object> };
};
const ajv = new Ajv.default({ strict: false, allErrors: true, validateFormats: false });

before(async () => {
  m = makeTestModel({ shape: [28, 28, 1], classes: 10, oodThreshold: 0.5 });
  s = await createServer({ model: m.path, maxItems: 4 });
  const res = await s.app.inject({ url: '/openapi.json' });
  assert.equal(res.statusCode, 200);
  doc = res.json();
  ajv.addSchema(doc, 'openapi.json');
});
after(() => s.close());

/** JSON pointer escaping for a key. */
const esc = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');

/** Check one live answer against the document: its status and content type are listed, its JSON body fits the schema. */
function conforms(pathTemplate: string, method: string, status: number, contentType: string, body: string): void {
  const op = doc.paths[pathTemplate]?.[method];
  assert.ok(op, `${method.toUpperCase()} ${pathTemplate} is not in /openapi.json`);
  const key = String(status) in op.responses ? String(status) : `${String(status)[0]}XX`;
  const response = op.responses[key];
  assert.ok(response, `${method.toUpperCase()} ${pathTemplate} answered ${status}, which /openapi.json does not list (${Object.keys(op.responses).join(', ')})`);
  const mediaType = (t: string) => t.split(';')[0].trim();
  const type = mediaType(contentType);
  const documented = Object.keys(response.content ?? {}).find((k) => mediaType(k) === type);
  assert.ok(documented, `${method.toUpperCase()} ${pathTemplate} ${status} answered ${type}; documented: ${Object.keys(response.content ?? {}).join(', ')}`);
  if (type !== 'application/json') return;
  const ref = `openapi.json#/paths/${esc(pathTemplate)}/${method}/responses/${key}/content/${esc(documented)}/schema`;
  const validate = ajv.getSchema(ref)!;
  assert.ok(validate(JSON.parse(body)), `${method.toUpperCase()} ${pathTemplate} ${status}: ${ajv.errorsText(validate.errors)}\n${body.slice(0, 300)}`);
}

/** The request body is what the document says it accepts. */
function acceptedRequest(pathTemplate: string, method: string, contentType: string, body: unknown): void {
  const content = doc.paths[pathTemplate][method].requestBody?.content;
  assert.ok(content && contentType in content, `${contentType} not documented for ${pathTemplate}`);
  if (contentType !== 'application/json') return;
  const validate = ajv.getSchema(`openapi.json#/paths/${esc(pathTemplate)}/${method}/requestBody/content/${esc(contentType)}/schema`)!;
  assert.ok(validate(body), ajv.errorsText(validate.errors));
}

test('the document is OpenAPI 3.1 and lists every route the server has', () => {
  assert.equal(doc.openapi, '3.1.0');
  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const method of Object.keys(ops)) {
      const url = p.replace(/\{(\w+)\}/g, ':$1');
      assert.ok(s.app.hasRoute({ method: method.toUpperCase() as 'GET', url }), `${method} ${p} documented but not served`);
    }
  }
  for (const p of ['/healthz', '/v1/model', '/v1/predict', '/metrics', '/openapi.json', '/', '/web/{file}', '/ort/{file}', '/model.onnx']) assert.ok(p in doc.paths, `${p} missing`);
  assert.deepEqual(Object.keys(doc.paths['/v1/predict'].post.requestBody!.content).sort(), ['application/json', 'image/avif', 'image/gif', 'image/jpeg', 'image/png', 'image/tiff', 'image/webp']);
  assert.ok('icmix-error' in doc.components.schemas);
  for (const status of ['200', '400', '408', '413', '415']) assert.ok(status in doc.paths['/v1/predict'].post.responses, `predict ${status}`);
});

test('live answers of every JSON route, good and bad requests, validate against the document', async () => {
  const x = randomImages(2, m.shape, 5);
  const jsonBody = { inputs: [Array.from(x.subarray(0, 784)), Array.from(x.subarray(784))] };
  acceptedRequest('/v1/predict', 'post', 'application/json', jsonBody);
  const png = encodePng(toRgba(x, 28, 28, 1), 28, 28, 0);
  const cases: [string, string, Parameters<IcmixServer['app']['inject']>[0], number][] = [
    ['/healthz', 'get', { url: '/healthz' }, 200],
    ['/v1/model', 'get', { url: '/v1/model' }, 200],
    ['/openapi.json', 'get', { url: '/openapi.json' }, 200],
    ['/metrics', 'get', { url: '/metrics' }, 200],
    ['/v1/predict', 'post', { method: 'POST', url: '/v1/predict', payload: jsonBody }, 200],
    ['/v1/predict', 'post', { method: 'POST', url: '/v1/predict?top_k=2', headers: { 'content-type': 'image/png' }, payload: png }, 200],
    ['/v1/predict', 'post', { method: 'POST', url: '/v1/predict', payload: { inputs: [1, 2, 3] } }, 400],
    ['/v1/predict', 'post', { method: 'POST', url: '/v1/predict', payload: { images: [] } }, 400],
    ['/v1/predict', 'post', { method: 'POST', url: '/v1/predict?top_k=zero', payload: jsonBody }, 400],
    ['/v1/predict', 'post', { method: 'POST', url: '/v1/predict', headers: { 'content-type': 'image/png' }, payload: pngBomb() }, 413],
    ['/v1/predict', 'post', { method: 'POST', url: '/v1/predict', payload: { inputs: Array.from({ length: 5 }, () => Array(784).fill(0)) } }, 413],
    ['/v1/predict', 'post', { method: 'POST', url: '/v1/predict', headers: { 'content-type': 'text/plain' }, payload: 'abc' }, 415],
    ['/web/{file}', 'get', { url: '/web/nope.exe' }, 404],
  ];
  for (const [p, method, req, status] of cases) {
    const res = await s.app.inject(req);
    assert.equal(res.statusCode, status, `${method} ${req.url}: ${res.body.slice(0, 200)}`);
    conforms(p, method, res.statusCode, String(res.headers['content-type']), res.body);
  }
});

test('a response that breaks the document is caught (the check is not vacuous)', () => {
  assert.throws(() => conforms('/healthz', 'get', 200, 'application/json', JSON.stringify({ status: 'ok' })), /required property 'model'/);
  assert.throws(() => conforms('/v1/predict', 'post', 413, 'application/json', JSON.stringify({ error: { code: 1 } })), /must be string|required property 'message'/);
  assert.throws(() => conforms('/healthz', 'get', 200, 'text/html', '<p>'), /answered text\/html/);
});

test('while shutting down, a request that arrives in the drain is answered, in the documented shape, closing its connection', async () => {
  const x = makeTestModel({ shape: [6, 6, 1], classes: 3 });
  const s2 = await createServer({ model: x.path, port: 0, web: false, shutdownTimeoutMs: 2000, bodyTimeoutMs: 60_000 });
  const base = new URL(await s2.listen());
  // A stalled upload keeps close() from finishing, so the server stays in its shutting-down state.
  const { req, response } = startUpload(base, Buffer.alloc(100, 32));
  response.catch(() => undefined);
  req.write(' ');
  while (!/^icmix_arriving_requests 1$/m.test((await s2.app.inject({ url: '/metrics' })).body)) await new Promise((r) => setTimeout(r, 10));
  const closed = s2.close();
  try {
    // What clients send before the listener closes is drained, not refused (shutdown-drain.test.ts).
    const res = await s2.app.inject({ url: '/healthz' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers.connection), /close/);
    conforms('/healthz', 'get', res.statusCode, String(res.headers['content-type']), res.body);
  } finally {
    req.destroy();
    await closed;
  }
});
