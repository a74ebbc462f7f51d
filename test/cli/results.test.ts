import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

test('icmix results docs: --check passes on the committed page and fails on an edited one; without --check it writes the page', async () => {
  const cells = path.join(root, 'docs/results');
  const saved = process.exitCode;
  try {
    await main(['results', 'docs', cells, '--out', path.join(root, 'docs/results.md'), '--check']);
    assert.notEqual(process.exitCode, 1, 'the committed docs/results.md is up to date');
    const tmp = mkdtempSync(path.join(tmpdir(), 'icmix-results-'));
    const edited = path.join(tmp, 'results.md');
    writeFileSync(edited, readFileSync(path.join(root, 'docs/results.md'), 'utf8').replace('no clear difference', 'clearly better'));
    await main(['results', 'docs', cells, '--out', edited, '--check']);
    assert.equal(process.exitCode, 1);
    process.exitCode = saved;
    const fresh = path.join(tmp, 'fresh.md');
    await main(['results', 'docs', cells, '--out', fresh]);
    assert.equal(readFileSync(fresh, 'utf8'), readFileSync(path.join(root, 'docs/results.md'), 'utf8'));
  } finally {
    process.exitCode = saved;
  }
});
