import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runStudy, studyFromObject } from '../../src/study/index.js';
import { idImage, writePng } from '../data/folder-fixtures.js';

test('a study over a folder:<dir> dataset trains, exports, calibrates and evaluates each cell in a safely named folder', async () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'icmix-folder-study-'));
  const prev = process.env.ICMIX_CACHE_DIR;
  process.env.ICMIX_CACHE_DIR = path.join(tmp, 'cache');
  try {
    const data = path.join(tmp, 'my images');
    for (let i = 0; i < 10; i++) {
      writePng(path.join(data, 'bright', `b${i}.png`), 10, 10, idImage(50 + i, 10, 10, true));
      writePng(path.join(data, 'dark', `d${i}.png`), 10, 10, idImage(i, 10, 10, true));
    }
    const study = studyFromObject({
      name: 'folder',
      datasets: [`folder:${data}`],
      protocols: ['balanced'],
      methods: ['mixup', 'icm'],
      seeds: [0],
      model: 'mlp',
      epochs: 1,
      batchSize: 4,
      suites: ['id'],
      runtimes: ['cpu'],
      train: { imageSize: [6, 6], valSize: 4, backend: 'cpu' },
    });
    const out = path.join(tmp, 'out');
    const result = await runStudy(study, { out, inProcess: true, write: () => {} });
    assert.deepEqual(result.failed, []);
    const runs = readdirSync(path.join(out, 'runs')).sort();
    assert.equal(runs.length, 2);
    for (const r of runs) {
      assert.match(r, /^folder-[A-Za-z0-9._-]+_balanced_(mixup|icm)_seed0$/);
      assert.ok(existsSync(path.join(out, 'runs', r, 'model.calibrated.onnx')), r);
    }
    // Every cell decoded the folder once at 6x6: one pixel cache entry.
    assert.equal(readdirSync(path.join(tmp, 'cache')).filter((f) => f.endsWith('.bin')).length, 1);
  } finally {
    if (prev === undefined) delete process.env.ICMIX_CACHE_DIR;
    else process.env.ICMIX_CACHE_DIR = prev;
    rmSync(tmp, { recursive: true, force: true });
  }
});
