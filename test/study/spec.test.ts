import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { cellId, loadStudy, studyFromObject, studySchemaErrors } from '../../src/study/index.js';
import { IcmixError } from '../../src/util/errors.js';

const base = {
  name: 't',
  datasets: ['fashion-mnist'],
  protocols: ['balanced'],
  methods: ['mixup', 'icm'],
  seeds: [0],
  model: 'mlp',
  epochs: 1,
};

function errorsFor(patch: Record<string, unknown>): string[] {
  return studySchemaErrors({ ...base, ...patch });
}

test('a valid study has no schema errors', () => {
  assert.deepEqual(studySchemaErrors(base), []);
});

test('schema errors name the bad field', () => {
  assert.deepEqual(errorsFor({ epoch: 3 }), ["the study: unknown field 'epoch'"]);
  const { methods: _m, ...noMethods } = base;
  assert.deepEqual(studySchemaErrors(noMethods), ['methods: is required']);
  assert.deepEqual(errorsFor({ seeds: [-1] }), ['seeds[0]: must be >= 0']);
  assert.deepEqual(errorsFor({ epochs: 1.5 }), ['epochs: must be integer']);
  assert.deepEqual(errorsFor({ runtimes: ['gpu'] }), ['runtimes[0]: must be one of "cpu", "cuda", "web", "webgpu", "tfjs"']);
  assert.deepEqual(errorsFor({ train: { lr: 0.1, lrr: 1 } }), ["train: unknown field 'lrr'"]);
  // A long-tailed protocol needs its imbalance; the error points into the protocol object.
  assert.deepEqual(errorsFor({ protocols: ['balanced', { kind: 'long-tailed' }] }), ['protocols[1].imbalance: is required']);
  assert.deepEqual(errorsFor({ protocols: [{ kind: 'skewed', imbalance: 3 }] }), ['protocols[0].kind: must be one of "balanced", "long-tailed", "data-constrained"']);
  assert.deepEqual(errorsFor({ protocols: [{ kind: 'balanced', perClass: 3 }] }), ['protocols[0]: a balanced protocol takes no imbalance or perClass; use kind long-tailed or data-constrained']);
  assert.deepEqual(errorsFor({ protocols: [5] }), ['protocols[0]: must be a protocol name (balanced, lt10, lt100, dc25, dc100) or an object with kind']);
  assert.deepEqual(errorsFor({ protocols: ['lt50'] }), ['protocols[0]: must be one of "balanced", "lt10", "lt100", "dc25", "dc100"']);
});

test('names the schema cannot know are checked on expansion, with the field named', () => {
  assert.throws(() => studyFromObject({ ...base, methods: ['mixup', 'icmm'] }), (e: unknown) => e instanceof IcmixError && /methods: unknown method 'icmm'/.test(e.message));
  assert.throws(() => studyFromObject({ ...base, model: 'vgg' }), (e: unknown) => e instanceof IcmixError && /model: unknown model 'vgg'/.test(e.message));
  assert.throws(() => studyFromObject({ ...base, datasets: ['svhn'] }), (e: unknown) => e instanceof IcmixError && /datasets: unknown dataset 'svhn'/.test(e.message));
  assert.throws(
    () => studyFromObject({ ...base, protocols: ['lt10', { kind: 'long-tailed', imbalance: 10, trainSubset: 100, id: 'lt10' }] }),
    (e: unknown) => e instanceof IcmixError && /protocols\[1\]: protocol id 'lt10' appears twice/.test(e.message),
  );
  assert.throws(() => studyFromObject({ ...base, epochs: 0 }), (e: unknown) => e instanceof IcmixError && /epochs: must be >= 1/.test(e.message));
});

test('YAML and JSON files load to the same study; bad YAML names the file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'icmix-study-'));
  const yaml = path.join(dir, 's.yaml');
  const json = path.join(dir, 's.json');
  writeFileSync(yaml, 'name: t\ndatasets: [fashion-mnist]\nprotocols: [balanced]\nmethods: [mixup, icm]\nseeds: [0]\nmodel: mlp\nepochs: 1\n');
  writeFileSync(json, JSON.stringify(base));
  const a = await loadStudy(yaml);
  const b = await loadStudy(json);
  assert.deepEqual(a.cells, b.cells);
  const bad = path.join(dir, 'bad.yaml');
  writeFileSync(bad, 'name: [unclosed\n');
  await assert.rejects(loadStudy(bad), (e: unknown) => e instanceof IcmixError && e.message.startsWith(`${bad}: not valid YAML`));
  rmSync(dir, { recursive: true, force: true });
});

test('cells: dataset x protocol x method x seed, remix only on long-tailed, stable ids and configs', () => {
  const study = studyFromObject({
    ...base,
    protocols: ['balanced', 'lt10', { kind: 'data-constrained', perClass: 25 }, { kind: 'balanced', trainSubset: 5000, id: 'bal5k', methods: ['ce'], epochs: 7, batchSize: 50 }],
    methods: ['ce', 'mixup', 'remix', 'icm', 'remix-icm'],
    seeds: [0, 1],
    width: 2,
    batchSize: 64,
    train: { lr: 0.05, maxStepsPerEpoch: 3 },
  });
  assert.deepEqual(
    study.protocols.map((p) => [p.id, p.methods]),
    [
      ['balanced', ['ce', 'mixup', 'icm']],
      ['lt10', ['ce', 'mixup', 'remix', 'icm', 'remix-icm']],
      ['dc25', ['ce', 'mixup', 'icm']],
      ['bal5k', ['ce']],
    ],
  );
  // 3*2 + 5*2 + 3*2 + 1*2
  assert.equal(study.cells.length, 24);
  assert.equal(new Set(study.cells.map((c) => c.id)).size, 24);
  assert.deepEqual(study.cells.slice(0, 3).map((c) => c.id), ['fashion-mnist_balanced_ce_seed0', 'fashion-mnist_balanced_ce_seed1', 'fashion-mnist_balanced_mixup_seed0']);
  assert.equal(cellId('mnist', 'lt100', 'remix-icm', 2), 'mnist_lt100_remix-icm_seed2');
  const lt = study.cells.find((c) => c.id === 'fashion-mnist_lt10_remix-icm_seed1')!;
  assert.equal(lt.train.imbalance, 10);
  assert.equal(lt.train.perClass, undefined);
  assert.equal(lt.train.method, 'remix-icm');
  assert.equal(lt.train.seed, 1);
  assert.equal(lt.train.lr, 0.05);
  assert.equal(lt.train.momentum, 0.9); // trainer default kept
  assert.equal(lt.train.width, 2);
  assert.equal(lt.train.batchSize, 64);
  assert.equal(lt.train.maxStepsPerEpoch, 3);
  const dc = study.cells.find((c) => c.protocol === 'dc25')!;
  assert.equal(dc.train.perClass, 25);
  const sub = study.cells.find((c) => c.protocol === 'bal5k')!.train;
  assert.deepEqual([sub.trainSubset, sub.epochs, sub.batchSize], [5000, 7, 50]);
  assert.equal(lt.train.epochs, 1);
  // Evaluation defaults: every suite on cpu, 1000 corruption images, 15 bins, MNIST as the reported OOD set.
  assert.deepEqual(lt.eval, { runtimes: ['cpu'], suites: ['id', 'ood', 'corruptions'], corruptionSamples: 1000, bins: 15, seed: 0 });
  assert.deepEqual(study.reportedOod, { 'fashion-mnist': 'mnist' });
  assert.deepEqual(study.compare, { method: 'icm', baseline: 'mixup' });
  // Expansion is deterministic: the same file gives the same cells.
  assert.deepEqual(studyFromObject({ ...base }).cells, studyFromObject({ ...base }).cells);
});

test('the shipped studies are valid', async () => {
  for (const f of ['studies/quick.yaml', 'studies/paper.yaml', 'studies/ci.yaml']) {
    const s = await loadStudy(f);
    assert.ok(s.cells.length >= 2, f);
    assert.ok(s.protocols.every((p) => p.methods.includes('icm') && p.methods.includes('mixup')), f);
  }
});

test('an empty study file (or one holding only a comment) says so instead of a TypeError', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'icmix-empty-study-'));
  try {
    for (const [name, text] of [['empty.yaml', ''], ['comment.yaml', '# nothing yet\n'], ['null.json', 'null']]) {
      const f = path.join(dir, name);
      writeFileSync(f, text);
      await assert.rejects(loadStudy(f), (e: unknown) => e instanceof IcmixError && e.message.startsWith(`${f} is empty; a study names`), name);
    }
    // A non-mapping value reaches the schema, which names it rather than crashing.
    assert.deepEqual(studySchemaErrors(null), ['(top level): must be object']);
    assert.deepEqual(studySchemaErrors(7), ['(top level): must be object']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
