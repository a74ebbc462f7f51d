/**
 * One --max-image-pixels in every command that decodes (issue 25 item 8): a file declaring more
 * pixels is refused from its header, with an error naming the file and the flag, and the rest go on.
 * Before, predict and folder datasets decoded a 30000x30000 PNG (875 KB) for 28.7 s at 6 GB RSS.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { pngBomb } from '../../bench/hostile-images.js';
import { readImageFolder } from '../../src/data/image-folder.js';
import { DEFAULT_MAX_IMAGE_PIXELS } from '../../src/image/index.js';
import { predictImages } from '../../src/infer/predict-images.js';
import { idImage, writeClasses, writePng } from '../data/folder-fixtures.js';
import { makeTestModel } from '../serve/fixtures.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'icmix-limits-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('predict: a file over the limit gets an error line naming the limit and the flag; the others are classified', async () => {
  const m = makeTestModel({ shape: [8, 8, 1], classes: 3 });
  const dir = path.join(tmp, 'predict');
  mkdirSync(dir);
  writePng(path.join(dir, 'a-small.png'), 8, 8, idImage(1), true);
  writePng(path.join(dir, 'b-wide.png'), 60, 40, new Uint8Array(60 * 40 * 4).fill(200), true);
  writeFileSync(path.join(dir, 'c-bomb.png'), pngBomb(30000, 30000));
  const t0 = performance.now();
  const out = await predictImages(m.path, [dir], { maxImagePixels: 2000 });
  assert.ok(performance.now() - t0 < 5000, 'nothing large was decoded');
  assert.deepEqual(out.map((p) => ('error' in p ? 'error' : 'ok')), ['ok', 'error', 'error']);
  const errors = out.flatMap((p) => ('error' in p ? [p.error] : []));
  assert.match(errors[0], /^the PNG image declares 60x40 = 2400 pixels, more than --max-image-pixels allows \(2000\); shrink the file, or raise --max-image-pixels$/);
  assert.match(errors[1], /declares 30000x30000 = 900000000 pixels/);
  // The default refuses the bomb too, and still takes a 24-megapixel photo's worth.
  assert.ok(DEFAULT_MAX_IMAGE_PIXELS >= 6000 * 4000 && DEFAULT_MAX_IMAGE_PIXELS < 30000 * 30000);
  const byDefault = await predictImages(m.path, [path.join(dir, 'c-bomb.png')]);
  assert.match((byDefault[0] as { error: string }).error, /more than --max-image-pixels allows \(100000000\)/);
});

test('folder datasets: a file over the limit is skipped naming the file and the flag, and --strict stops at it', async () => {
  const dir = path.join(tmp, 'folder');
  writeClasses(dir, ['a', 'b'], 3);
  writeFileSync(path.join(dir, 'a', 'zz-bomb.png'), pngBomb(30000, 30000));
  const events: string[] = [];
  const d = await readImageFolder(dir, { cacheDir: path.join(tmp, 'cache'), onProgress: (e) => e.message && events.push(e.message) });
  assert.deepEqual(d.skipped.map((b) => b.rel), ['a/zz-bomb.png']);
  assert.ok(events.some((m) => /a\/zz-bomb\.png \(the PNG image declares 30000x30000 = 900000000 pixels, more than --max-image-pixels allows \(100000000\); shrink it, or raise --max-image-pixels\)/.test(m)), events.join('\n'));
  await assert.rejects(
    readImageFolder(dir, { cacheDir: path.join(tmp, 'cache2'), strict: true, maxImagePixels: 50, onProgress: () => {} }),
    /folder dataset: .*\/a\/img000\.png does not decode \(the PNG image declares 8x8 = 64 pixels, more than --max-image-pixels allows \(50\)/,
  );
  // The limit is part of the cache key: a higher one is not served a lower one's skips.
  writePng(path.join(dir, 'b', 'wide.png'), 60, 40, new Uint8Array(60 * 40 * 4).fill(90), true);
  const low = await readImageFolder(dir, { cacheDir: path.join(tmp, 'cache3'), maxImagePixels: 2000, onProgress: () => {} });
  assert.deepEqual(low.skipped.map((b) => b.rel), ['a/zz-bomb.png', 'b/wide.png']);
  const high = await readImageFolder(dir, { cacheDir: path.join(tmp, 'cache3'), onProgress: () => {} });
  assert.deepEqual(high.skipped.map((b) => b.rel), ['a/zz-bomb.png']);
});
