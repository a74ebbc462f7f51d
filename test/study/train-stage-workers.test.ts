import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { studyFromObject } from '../../src/study/index.js';
import { trainStage } from '../../src/study/stages/train.js';

// A cell's share of the cores (--jobs > 1) caps the default worker count; it must not become an
// explicit --workers, which the trainer refuses above the batch's images (and on tensorflow) and
// which would put cpu-backend cells on worker threads they never use alone.
test('the train stage takes the cell share of the cores as a cap on the default workers, not as --workers', async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'icmix-stage-workers-'));
  try {
    const study = studyFromObject({
      name: 'stage-workers',
      datasets: ['mnist'],
      protocols: [{ kind: 'balanced', trainSubset: 60 }],
      methods: ['ce'],
      seeds: [0],
      model: 'mlp',
      epochs: 1,
      batchSize: 2,
      train: { valSize: 10, maxStepsPerEpoch: 1, backend: 'cpu' },
      runtimes: ['cpu'],
      suites: ['id'],
    });
    const cell = study.cells[0];
    const runDir = path.join(out, cell.id);
    await trainStage({ cell, runDir, threads: 3, onProgress: () => {} });
    const manifest = JSON.parse(readFileSync(path.join(runDir, 'manifest.json'), 'utf8'));
    assert.equal(manifest.config.workers, 1, 'cpu trains in one thread by default');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
