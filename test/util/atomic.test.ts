import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeFailure, writeFileAtomic, writeFileAtomicSync } from '../../src/util/atomic.js';
import { IcmixError } from '../../src/util/errors.js';

test('a full disk names the file being written and says what to do', () => {
  const enospc = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: 'ENOSPC' });
  const e = writeFailure('runs/icm/model.onnx', enospc);
  assert.ok(e instanceof IcmixError);
  assert.equal(e.message, 'cannot write runs/icm/model.onnx (ENOSPC): the disk is full; free some space and run again; its previous content, if any, is unchanged');
  // Not a filesystem error: passed through untouched.
  const plain = new TypeError('boom');
  assert.equal(writeFailure('x', plain), plain);
});

test('a failed atomic write names the target, keeps its old content and leaves no temp file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'icmix-atomic-'));
  const blocker = path.join(dir, 'not-a-folder');
  writeFileSync(blocker, 'old');
  const target = path.join(blocker, 'report.json');
  await assert.rejects(writeFileAtomic(target, '{}'), (e: unknown) => e instanceof IcmixError && e.message.startsWith(`cannot write ${target} (`));
  assert.throws(() => writeFileAtomicSync(target, '{}'), (e: unknown) => e instanceof IcmixError && e.message.startsWith(`cannot write ${target} (`));
  // A target that is a folder: the rename fails after the temp file was written; it is removed.
  const folder = path.join(dir, 'folder');
  await writeFileAtomic(path.join(folder, 'keep'), 'x');
  await assert.rejects(writeFileAtomic(folder, 'new'), /cannot write .*folder \((EISDIR|ENOTEMPTY|EEXIST|EPERM)\)/);
  assert.deepEqual(readdirSync(dir).sort(), ['folder', 'not-a-folder']);
  assert.equal(readFileSync(blocker, 'utf8'), 'old');
});
