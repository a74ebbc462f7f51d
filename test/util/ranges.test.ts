import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { exportRun } from '../../src/export/index.js';
import { calibrateRun, evaluate } from '../../src/infer/index.js';
import { createServer } from '../../src/serve/index.js';
import { runStudy, studyFromObject, studySchemaErrors } from '../../src/study/index.js';
import { resolveConfig, TRAIN_RULES } from '../../src/train/config.js';
import { IcmixError } from '../../src/util/errors.js';
import { checkNumber, checkOptions, describeRule, satisfies, type NumberRule } from '../../src/util/ranges.js';

const missing = path.join(mkdtempSync(path.join(tmpdir(), 'icmix-ranges-')), 'missing');

test('describeRule writes each kind of range', () => {
  assert.equal(describeRule({ type: 'int', min: 1 }), 'integer >= 1');
  assert.equal(describeRule({ type: 'number', min: 0, exclusiveMin: true }), 'number > 0');
  assert.equal(describeRule({ type: 'number', min: 0, max: 1, exclusiveMax: true }), 'number in [0, 1)');
  assert.equal(describeRule({ type: 'int', min: 0, max: 65535 }), 'integer in 0..65535');
  assert.equal(describeRule({ type: 'number', max: 3 }), 'number <= 3');
  assert.equal(describeRule({ type: 'number' }), 'finite number');
  assert.equal(describeRule({ type: 'int', values: [13, 17] }), 'integer: one of 13, 17');
  assert.equal(describeRule({ type: 'number', min: 0, max: 1, list: true }), 'list of numbers in [0, 1]');
});

test('checkNumber accepts the range and names option, range and value otherwise', () => {
  const r: NumberRule = { type: 'int', min: 2 };
  assert.equal(checkNumber(2, r, 'x'), 2);
  for (const bad of [1, 2.5, NaN, Infinity, '3', null]) {
    assert.throws(() => checkNumber(bad, r, '--batch-size'), (e: unknown) => e instanceof IcmixError && /^--batch-size must be an integer >= 2, got /.test(e.message));
  }
  assert.ok(satisfies(0.5, { type: 'number', min: 0, max: 1, exclusiveMin: true, exclusiveMax: true }));
  assert.ok(!satisfies(1, { type: 'number', min: 0, max: 1, exclusiveMax: true }));
  assert.ok(!satisfies(14, { type: 'int', values: [13, 15] }));
  const list: NumberRule = { type: 'number', min: 0, max: 1, list: true };
  assert.deepEqual(checkNumber([0.5, 1], list, 'm'), [0.5, 1]);
  assert.deepEqual(checkNumber([], list, 'm'), []);
  assert.throws(() => checkNumber([0.5, 'abc'], list, 'm'), /m must be a list of numbers in \[0, 1\], got \[0.5, "abc"\]/);
  assert.throws(() => checkNumber(0.5, list, 'm'), /must be a list/);
});

test('checkOptions checks only the fields that are set', () => {
  const rules = { a: { type: 'int', min: 1 }, b: { type: 'number', min: 0 } } as const;
  checkOptions({ a: 3 } as { a?: number; b?: number }, rules, 'lib');
  assert.throws(() => checkOptions({ a: 3, b: -1 } as { a?: number; b?: number }, rules, 'lib'), /^IcmixError: lib: b must be a number >= 0, got -1$/);
});

test('the library refuses out-of-range options, naming the option as the library spells it', async () => {
  // The examples, through the train config resolution every caller goes through.
  const base = { dataset: 'mnist', out: missing };
  for (const [k, v] of [['alpha', -1], ['alpha', 0], ['weightDecay', -5], ['lrGamma', NaN], ['maxStepsPerEpoch', 0], ['maxStepsPerEpoch', -1], ['pad', -3], ['batchSize', 1], ['lrMilestones', [NaN]]] as const) {
    assert.throws(() => resolveConfig({ ...base, [k]: v }), (e: unknown) => e instanceof IcmixError && e.message.startsWith(`train: ${k} must be`), `${k} = ${String(v)}`);
  }
  assert.equal(resolveConfig({ ...base, alpha: 0.4 }).alpha, 0.4);
  // Each entry point checks before it reads anything (the inputs here do not exist).
  await assert.rejects(evaluate({ model: `${missing}.onnx`, batchSize: 0 }), /^IcmixError: evaluate: batchSize must be an integer >= 1, got 0$/);
  await assert.rejects(evaluate({ model: `${missing}.onnx`, severities: [1, 7] }), /evaluate: severities must be a list of integers in 1\.\.5, got \[1, 7\]/);
  await assert.rejects(exportRun(missing, { opset: 12 }), /export: opset must be an integer: one of 13, 14, 15, 16, 17, got 12/);
  await assert.rejects(calibrateRun(missing, { tpr: 0 }), /calibrate: tpr must be a number in \(0, 1\], got 0/);
  await assert.rejects(createServer({ model: `${missing}.onnx`, maxWaitMs: -1 }), /serve: maxWaitMs must be a number >= 0, got -1/);
  await assert.rejects(createServer({ model: `${missing}.onnx`, port: 70000 }), /serve: port must be an integer in 0\.\.65535, got 70000/);
  const study = studyFromObject({ name: 't', datasets: ['mnist'], protocols: ['balanced'], methods: ['icm'], seeds: [0], model: 'mlp', epochs: 1 });
  await assert.rejects(runStudy(study, { out: missing, jobs: 0 }), /study: jobs must be an integer >= 1, got 0/);
});

test('the study schema refuses every train value the train rules refuse', () => {
  const study = { name: 't', datasets: ['mnist'], protocols: ['balanced'], methods: ['icm'], seeds: [0], model: 'mlp', epochs: 1 };
  const topLevel = new Set(['width', 'epochs', 'batchSize']);
  const inSchema = ['lr', 'momentum', 'weightDecay', 'lrMilestones', 'lrGamma', 'alpha', 'gamma', 'kappa', 'tau', 'valSize', 'pad', 'maxStepsPerEpoch', ...topLevel] as const;
  for (const key of inSchema) {
    const rule: NumberRule = TRAIN_RULES[key];
    const bad: number[] = [];
    if (rule.min !== undefined) bad.push(rule.min - 1, ...(rule.exclusiveMin ? [rule.min] : []));
    if (rule.max !== undefined) bad.push(rule.max + 0.5, ...(rule.exclusiveMax ? [rule.max] : []));
    if (rule.type === 'int') bad.push((rule.min ?? 0) + 1.5);
    for (const v of bad) {
      const value = rule.list ? [v] : v;
      const spec = topLevel.has(key) ? { ...study, [key]: value } : { ...study, train: { [key]: value } };
      assert.notDeepEqual(studySchemaErrors(spec), [], `${key} = ${v} passes the schema but not the train rules`);
    }
  }
});
