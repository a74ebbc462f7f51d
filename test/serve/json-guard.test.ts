/**
 * JSON bodies are bounded in depth and value count before they are parsed (issue 25 item 11): an
 * 8 MB body nested a million deep cost about 1 s of the event loop (8 at once pushed /healthz to
 * 4.9 s). Bounded: a handful of requests to an in-process server, no sockets.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkJsonBody } from '../../src/serve/json-guard.js';
import { createServer, type IcmixServer } from '../../src/serve/index.js';
import { makeTestModel, randomImages } from './fixtures.js';

let s: IcmixServer;
const m = makeTestModel({ shape: [6, 6, 1], classes: 3 });
before(async () => {
  s = await createServer({ model: m.path, web: false, maxItems: 8 });
});
after(() => s.close());
const post = (payload: string) => s.app.inject({ method: 'POST', url: '/v1/predict', headers: { 'content-type': 'application/json' }, payload });

test('a body nested 4 million deep is refused from its bytes, before JSON.parse', async () => {
  const deep = 4_000_000;
  const t0 = performance.now();
  const res = await post(`{"inputs":${'['.repeat(deep)}${']'.repeat(deep)}}`);
  const ms = performance.now() - t0;
  assert.equal(res.statusCode, 400, res.body);
  assert.equal(res.json().error.code, 'json_too_deep');
  assert.match(res.json().error.message, /nests deeper than 6 levels \(at byte 15\)/);
  assert.ok(ms < 2000, `${ms.toFixed(0)} ms`);
});

test('several times the values --max-items images hold is refused (413) before parsing', async () => {
  const res = await post(JSON.stringify({ inputs: new Array(2_000_000).fill(0) }));
  assert.equal(res.statusCode, 413, res.body);
  assert.equal(res.json().error.code, 'too_many_values');
  // A few images too many still gets the precise answer after parsing.
  const nine = Array.from({ length: 9 }, (_, i) => Array.from(randomImages(1, m.shape, i)));
  assert.equal((await post(JSON.stringify({ inputs: nine }))).json().error.code, 'too_many_items');
  // The largest batch the server takes still passes.
  const batch = Array.from({ length: 8 }, (_, i) => Array.from(randomImages(1, m.shape, i)));
  const ok = await post(JSON.stringify({ inputs: batch }));
  assert.equal(ok.statusCode, 200, ok.body);
});

test('brackets and commas inside strings are text; an empty body is malformed JSON', async () => {
  assert.doesNotThrow(() => checkJsonBody(Buffer.from('{"a":"[[[[[[[[,,,,\\"[[[["}'), { maxDepth: 2, maxValues: 0 }));
  assert.throws(() => checkJsonBody(Buffer.from('[[[]]]'), { maxDepth: 2, maxValues: 10 }), /deeper than 2 levels \(at byte 2\)/);
  const res = await post(`{"layout":"[[[[[[[[[[","inputs":${JSON.stringify(Array.from(randomImages(1, m.shape, 1)))}}`);
  assert.equal(res.json().error.code, 'bad_layout');
  const empty = await post('');
  assert.equal(empty.statusCode, 400);
  assert.equal(empty.json().error.code, 'malformed_json');
});
