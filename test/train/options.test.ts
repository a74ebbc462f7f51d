/**
 * The training options are declared once (src/train/options.ts). The rules and the CLI flags are
 * generated from the table; the study schema's `train` block is a published JSON file, so it is
 * held to the table here: the same options, each with the table's type, range and choices.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import yargs from 'yargs';
import { trainCommand } from '../../src/cli/commands/train.js';
import { TRAIN_DEFAULTS, TRAIN_RULES } from '../../src/train/config.js';
import { METHOD_PARAMS } from '../../src/train/methods/params.js';
import { flagOf, TRAIN_OPTIONS, type TrainOption, type TrainOptionName } from '../../src/train/options.js';
import type { NumberRule } from '../../src/util/ranges.js';

type JsonSchema = { type?: string | string[]; minimum?: number; maximum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number; enum?: unknown[]; items?: JsonSchema; minItems?: number; maxItems?: number };

const schema = JSON.parse(readFileSync('schemas/study.schema.json', 'utf8')) as { definitions: { train: { properties: Record<string, JsonSchema> } } };
const trainBlock = schema.definitions.train.properties;
const keys = Object.keys(TRAIN_OPTIONS) as TrainOptionName[];
const row = (k: TrainOptionName): TrainOption => TRAIN_OPTIONS[k];

/** The JSON-schema bounds a number rule stands for. */
function bounds(rule: NumberRule): JsonSchema {
  const s: JsonSchema = { type: rule.type === 'int' ? 'integer' : 'number' };
  if (rule.min !== undefined) s[rule.exclusiveMin ? 'exclusiveMinimum' : 'minimum'] = rule.min;
  if (rule.max !== undefined) s[rule.exclusiveMax ? 'exclusiveMaximum' : 'maximum'] = rule.max;
  if (rule.values) s.enum = [...rule.values];
  return s;
}

test('the study schema\'s train block lists exactly the options the table opens to studies', () => {
  const fromTable = keys.filter((k) => row(k).study).sort();
  assert.deepEqual(Object.keys(trainBlock).sort(), fromTable);
});

test('each study option has the table\'s type, range and choices', () => {
  for (const k of keys.filter((k) => row(k).study)) {
    const o = row(k);
    const got = trainBlock[k];
    const spec = o.spec;
    if (spec.kind === 'number') {
      const rule = o.study?.rule ?? spec.rule;
      const want = bounds(rule);
      const item = rule.list ? got.items! : got;
      if (rule.list) assert.equal(got.type, 'array', k);
      for (const f of ['type', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'enum'] as const) {
        assert.deepEqual(item[f], want[f], `${k}.${f}`);
      }
    } else if (spec.kind === 'choice') {
      assert.deepEqual(got.enum, [...spec.choices], `${k}: choices`);
    } else {
      assert.equal(got.type, spec.kind, `${k}: type`);
    }
  }
});

test('rules and defaults come from the table; method parameters from their mixers\' and objectives\' declarations', () => {
  for (const k of keys) {
    const spec = row(k).spec;
    if (spec.kind === 'number') assert.deepEqual((TRAIN_RULES as Record<string, NumberRule>)[k], spec.rule, k);
    assert.deepEqual((TRAIN_DEFAULTS as Record<string, unknown>)[k], spec.default, k);
  }
  for (const k of Object.keys(METHOD_PARAMS)) assert.equal(row(k as TrainOptionName).spec, METHOD_PARAMS[k as keyof typeof METHOD_PARAMS], k);
  // The values the authors' code uses stay the defaults.
  assert.deepEqual([TRAIN_DEFAULTS.kappa, TRAIN_DEFAULTS.tau, TRAIN_DEFAULTS.lambdaMode, TRAIN_DEFAULTS.lr, TRAIN_DEFAULTS.batchSize], [3, 0.5, 'batch', 0.1, 128]);
});

test('icmix train has one flag per option, with the table\'s help', () => {
  const y = yargs([]);
  (trainCommand.builder as (y: ReturnType<typeof yargs>) => unknown)(y);
  const described = (y as unknown as { getInternalMethods(): { getUsageInstance(): { getDescriptions(): Record<string, string | undefined> } } }).getInternalMethods().getUsageInstance().getDescriptions();
  for (const k of keys) {
    const flag = flagOf(k);
    assert.ok(flag in described, `--${flag}`);
    if (row(k).spec.help) assert.ok(described[flag]!.startsWith(row(k).spec.help), `--${flag}: ${described[flag]}`);
  }
});
