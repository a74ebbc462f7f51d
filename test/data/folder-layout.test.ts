/**
 * Class folder names compared and sorted in Unicode NFC: macOS writes decomposed names (NFD), so a
 * dataset copied from a Mac has train/Trouser ü (u + combining diaeresis) beside a test/Trouser ü
 * made elsewhere (precomposed). Byte-wise they differ: the split check called one a class "only
 * in test/", and the sorted order (the labels) differed between the two spellings.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { scanFolderLayout } from '../../src/data/folder-layout.js';
import { writeClasses } from './folder-fixtures.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'icmix-layout-nfc-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('class names are NFC: the same class spelled NFD in train/ and NFC in test/ is one class, labels sorted the same either way', async () => {
  const names = ['Uz', 'Ürn', 'Trouser ü'];
  const nfd = path.join(root, 'mixed');
  writeClasses(path.join(nfd, 'train'), names.map((n) => n.normalize('NFD')), 2);
  writeClasses(path.join(nfd, 'test'), names.map((n) => n.normalize('NFC')), 1);
  const layout = await scanFolderLayout(nfd);
  const want = names.map((n) => n.normalize('NFC')).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  assert.deepEqual(layout.classNames, want);
  assert.equal(layout.files.filter((f) => f.split === 'test').length, 3);
  // The all-NFD copy gets the same labels as an all-NFC one.
  const allNfd = path.join(root, 'nfd');
  writeClasses(allNfd, names.map((n) => n.normalize('NFD')), 1);
  const allNfc = path.join(root, 'nfc');
  writeClasses(allNfc, names.map((n) => n.normalize('NFC')), 1);
  assert.deepEqual((await scanFolderLayout(allNfd)).classNames, (await scanFolderLayout(allNfc)).classNames);
  // Each file still points at the folder on disk.
  assert.ok(layout.files.some((f) => f.split === 'train' && f.rel.startsWith(`train/${'Ürn'.normalize('NFD')}/`)));
});

test('two folders that are the same name in NFC are refused, naming both', async () => {
  const dup = path.join(root, 'dup');
  writeClasses(dup, ['Ürn'.normalize('NFD'), 'Ürn'.normalize('NFC'), 'b'], 1);
  await assert.rejects(scanFolderLayout(dup), /two class folders with the same name in Unicode \(NFC\).*rename or merge them/);
});
