import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import yargs from 'yargs';
import { commands } from '../../src/cli/commands/index.js';
import { main } from '../../src/cli/main.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'icmix-options-'));
const missing = path.join(tmp, 'missing');

/**
 * Each command's arguments that make it fail fast (a missing input) if a bad value got past the
 * parser, so a missed check shows as the wrong error, never as work done.
 */
const BASE: Record<string, string[]> = {
  train: ['train', '--dataset', 'no-such-dataset', '--out', path.join(tmp, 'run')],
  'lr-find': ['lr-find', '--dataset', 'no-such-dataset', '--out', path.join(tmp, 'lrf')],
  export: ['export', missing],
  inspect: ['inspect', missing],
  calibrate: ['calibrate', missing],
  eval: ['eval', `${missing}.onnx`],
  report: ['report', missing],
  serve: ['serve', `${missing}.onnx`],
  study: ['study', `${missing}.yaml`],
  predict: ['predict', `${missing}.onnx`, missing],
  doctor: ['doctor'],
  results: ['results', 'docs', missing, '--out', `${missing}.md`],
};

/** lr-find takes train's data, model and method flags, not its schedule and run controls. */
const NOT_IN_LR_FIND = ['lr', 'epochs', 'lr-milestones', 'lr-gamma', 'warmup-epochs', 'max-steps', 'workers', 'patience'];

/** Every numeric flag of every command, with values that must be refused. */
const BAD: Record<string, Record<string, string[]>> = {
  train: {
    width: ['0', '-1', 'abc'],
    epochs: ['0', '1.5', 'NaN'],
    'batch-size': ['1', '0', '2.5'],
    lr: ['0', '-0.1', 'Infinity'],
    momentum: ['-0.1', '1', 'NaN'],
    'weight-decay': ['-5', 'NaN'],
    'lr-milestones': ['abc', '1.5', '-0.25'],
    'lr-gamma': ['NaN', '0', '-1'],
    'warmup-epochs': ['-1', '1.5', 'abc'],
    alpha: ['-1', '0', 'abc'],
    gamma: ['-1', 'NaN'],
    kappa: ['0', '-3'],
    tau: ['-0.1', '1.1'],
    imbalance: ['0.5', '-10'],
    'per-class': ['0', '2.5'],
    'train-subset': ['0', '-5'],
    'val-size': ['-1', '0.5'],
    pad: ['-3', '1.5'],
    seed: ['-1', '0.5'],
    'max-steps': ['0', '-1', '2.5'],
    workers: ['0', '1.5', '257'],
    'image-size': ['0x5', 'abc', '64x', '5000x64', '1.5x2', '2x3x4'],
    channels: ['2', '0', 'abc'],
    'max-image-pixels': ['0', '-1', '1.5'],
    patience: ['0', '-1', '1.5'],
  },
  export: {
    opset: ['12', '18', '13.5'],
    temperature: ['0', '-1', 'NaN'],
    tolerance: ['-1e-4', 'NaN'],
    'relative-tolerance': ['-1'],
    samples: ['0', '1.5'],
    'real-samples': ['-1', 'abc'],
  },
  inspect: {},
  calibrate: {
    bins: ['0', '2.5'],
    tpr: ['0', '1.5', '-0.5'],
    'batch-size': ['0', '-1'],
    threads: ['0', '1.5'],
    'val-size': ['-1', '0.5'],
    seed: ['-1', 'abc'],
    mean: ['NaN', '-300'],
    std: ['0'],
    'max-image-pixels': ['0', '-1', '1.5'],
  },
  eval: {
    limit: ['0', '-1'],
    threads: ['0'],
    'batch-size': ['0', '1.5'],
    bins: ['0', 'abc'],
    seed: ['-1', '0.5'],
    'ood-samples': ['-1', '1.5'],
    'corruption-samples': ['-1'],
    severities: ['0', '6', '1,9', 'abc', '2.5'],
    mean: ['abc', 'NaN', '300'],
    std: ['0', '-1', '0.5,0'],
    'max-image-pixels': ['0', '-1', '1.5'],
  },
  report: {},
  serve: {
    port: ['-1', '70000', '80.5'],
    'max-batch': ['0', '1.5'],
    'max-wait-ms': ['-1', 'NaN'],
    'max-body': ['0'],
    'max-items': ['0', '-2'],
    'max-image-pixels': ['0', '1.5'],
    'body-timeout-ms': ['0', '-1'],
    'shutdown-timeout-ms': ['-1', '2.5'],
    'top-k': ['0', '2.5'],
    threads: ['0'],
    mean: ['abc'],
    std: ['0'],
  },
  study: {
    jobs: ['0', '-1', '1.5'],
    cell: ['-1', '0.5'],
    'claim-timeout': ['0', '-5'],
    'max-parallel': ['0'],
    'cpus-per-task': ['0', '1.5'],
  },
  predict: {
    'max-image-pixels': ['0', '-1', '1.5'],
    'top-k': ['0', '1.5'],
    threads: ['0'],
    'batch-size': ['0', '-1'],
    mean: ['Infinity'],
    std: ['-0.5'],
  },
  doctor: {},
  results: {},
};

/** The flags yargs parses as numbers (or number lists) for one command, from its builder. */
function numericFlags(name: string): string[] {
  const cmd = commands.find((c) => String(c.command).split(' ')[0] === name)!;
  const y = yargs([]);
  (cmd.builder as (y: ReturnType<typeof yargs>) => unknown)(y);
  const o = y.getOptions() as unknown as { number: string[]; array: string[]; string: string[]; key: Record<string, boolean> };
  const described = (y as unknown as { getInternalMethods(): { getUsageInstance(): { getDescriptions(): Record<string, string | undefined> } } })
    .getInternalMethods().getUsageInstance().getDescriptions();
  // A flag counts as numeric when yargs parses it as a number or its help shows a numeric range.
  return Object.keys(o.key).filter((k) => o.number.includes(k) || /\((list of )?(integer|number)/.test(described[k] ?? ''));
}

BAD['lr-find'] = {
  ...Object.fromEntries(Object.entries(BAD.train!).filter(([flag]) => !NOT_IN_LR_FIND.includes(flag))),
  steps: ['9', '1.5', 'abc'],
  'min-lr': ['0', '-1'],
  'max-lr': ['0', 'NaN'],
};

test('the table covers every numeric flag of every command', () => {
  assert.deepEqual(Object.keys(BAD).sort(), commands.map((c) => String(c.command).split(' ')[0]).sort());
  for (const name of Object.keys(BAD)) {
    assert.deepEqual(numericFlags(name).sort(), Object.keys(BAD[name]).sort(), `numeric flags of icmix ${name}`);
  }
});

for (const [name, flags] of Object.entries(BAD)) {
  for (const [flag, values] of Object.entries(flags)) {
    test(`icmix ${name} --${flag} refuses ${values.join(', ')} before doing anything`, async () => {
      for (const v of values) {
        await assert.rejects(main([...BASE[name], `--${flag}=${v}`]), (e: unknown) => {
          assert.ok(e instanceof Error);
          assert.match(e.message, new RegExp(`^--${flag} must be an? (list of )?(integer|number)`), `--${flag} ${v}`);
          assert.equal(e.constructor.name, 'UsageError', `--${flag} ${v}: a usage error (exit 2)`);
          return true;
        });
      }
    });
  }
}

test('--help shows each numeric flag’s allowed range', () => {
  for (const name of Object.keys(BAD)) {
    for (const flag of numericFlags(name)) assert.ok(flag in BAD[name]);
  }
  const cmd = commands.find((c) => String(c.command) === 'train')!;
  const y = yargs([]);
  (cmd.builder as (y: ReturnType<typeof yargs>) => unknown)(y);
  const d = (y as unknown as { getInternalMethods(): { getUsageInstance(): { getDescriptions(): Record<string, string> } } }).getInternalMethods().getUsageInstance().getDescriptions();
  assert.match(d.alpha, /\(number > 0\)$/);
  assert.match(d['max-steps'], /\(integer >= 1\)$/);
  assert.match(d.workers, /^data-parallel worker threads.*\(integer in 1\.\.256\)$/);
  assert.match(d['lr-milestones'], /\(list of numbers in \[0, 1\]\)$/);
  assert.match(d.momentum, /\(number in \[0, 1\)\)$/);
});
