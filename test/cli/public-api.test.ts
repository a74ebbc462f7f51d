import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as api from '../../src/index.js';

test('the root entry is the curated library API, not every internal', () => {
  for (const name of ['train', 'exportRun', 'calibrateRun', 'evaluate', 'createServer', 'runStudy', 'loadStudy', 'loadDataset', 'ece', 'IcmixError', 'TRAIN_RULES', 'BACKEND_NAMES', 'RUNTIME_NAMES']) {
    assert.ok(name in api, `${name} is exported`);
  }
  // Internals stay in the subpath entries.
  for (const name of ['Counter', 'Histogram', 'gaussianBlur', 'IDX_IMAGES_MAGIC', 'IDX_LABELS_MAGIC', 'encodeModel', 'DynamicBatcher', 'StudyProgress']) {
    assert.ok(!(name in api), `${name} is not in the root entry`);
  }
  assert.ok(Object.keys(api).length < 80, `${Object.keys(api).length} runtime names in the root entry`);
});

test('every subpath in package.json exports maps to a source entry', async () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, string | { types: string; default: string }> };
  for (const [sub, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'string') continue;
    const src = target.default.replace(/^\.\/dist\//, './').replace(/\.js$/, '.ts');
    assert.ok(existsSync(src), `${sub} -> ${src}`);
    assert.equal(target.types, target.default.replace(/\.js$/, '.d.ts'));
    const mod = (await import(`../../${src}`)) as Record<string, unknown>;
    assert.ok(Object.keys(mod).length > 0, `${sub} exports something`);
  }
  assert.deepEqual(Object.keys(pkg.exports).sort(), ['.', './data', './export', './image', './infer', './package.json', './serve', './study', './train']);
});
