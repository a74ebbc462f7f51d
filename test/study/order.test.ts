import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allCells, studyFromObject } from '../../src/study/index.js';
import { runOrder } from '../../src/study/order.js';

const spec = {
  name: 'order',
  datasets: ['mnist'],
  protocols: [{ kind: 'data-constrained', perClass: 10, seeds: [1, 2, 3] }, { kind: 'balanced', trainSubset: 600 }],
  methods: ['ce', 'mixup', 'icm'],
  seeds: [1, 2],
  model: 'mlp',
  epochs: 1,
  runtimes: ['cpu'],
  suites: ['id'],
  tune: { lr: [0.01, 0.1], seeds: [100] },
};

test('run order: protocol by protocol, its tune cells, then its main cells seed by seed across methods', () => {
  const study = studyFromObject(spec);
  const cells = allCells(study);
  const order = runOrder(cells);
  assert.equal(order.length, cells.length);
  assert.deepEqual(new Set(order.map((c) => c.id)), new Set(cells.map((c) => c.id)));
  const tunes = (protocol: string) => study.tuneCells.filter((c) => c.protocol === protocol).map((c) => c.id);
  assert.deepEqual(order.slice(0, 6).map((c) => c.id), tunes('dc10'));
  assert.deepEqual(order.slice(6, 15).map((c) => c.id), [
    'mnist_dc10_ce_seed1', 'mnist_dc10_mixup_seed1', 'mnist_dc10_icm_seed1',
    'mnist_dc10_ce_seed2', 'mnist_dc10_mixup_seed2', 'mnist_dc10_icm_seed2',
    'mnist_dc10_ce_seed3', 'mnist_dc10_mixup_seed3', 'mnist_dc10_icm_seed3',
  ]);
  // Every method's sweep of a protocol comes before any of its main cells: tune groups are per
  // method, and a runner that took main cells as soon as their own sweep finished would train
  // every seed of the first method before the next method's sweep.
  assert.deepEqual(order.slice(15, 21).map((c) => c.id), tunes('balanced'));
  assert.deepEqual(order.slice(21).map((c) => c.id), [
    'mnist_balanced_ce_seed1', 'mnist_balanced_mixup_seed1', 'mnist_balanced_icm_seed1',
    'mnist_balanced_ce_seed2', 'mnist_balanced_mixup_seed2', 'mnist_balanced_icm_seed2',
  ]);
  assert.throws(() => runOrder(cells, cells.slice(1)), /runOrder: .* is not in the study/);
});

test('run order: a subset (what is left of a study) keeps the same relative order', () => {
  const cells = allCells(studyFromObject(spec));
  const left = cells.filter((c, i) => i % 3 !== 0);
  const order = runOrder(left, cells);
  const full = runOrder(cells).map((c) => c.id);
  assert.deepEqual(order.map((c) => c.id), full.filter((id) => left.some((c) => c.id === id)));
});
