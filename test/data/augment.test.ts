import { test } from 'node:test';
import assert from 'node:assert/strict';
import { augmentBatch, datasetDefaults, shiftFlip } from '../../src/data/index.js';
import { Rng } from '../../src/util/rng.js';

// A 3x4 image with 2 channels: pixel (y, x) channel k holds 10*y + x + 100*k + 1 (never 0).
const H = 3, W = 4, C = 2;
const img = Float32Array.from({ length: H * W * C }, (_, i) => {
  const k = i % C, x = Math.floor(i / C) % W, y = Math.floor(i / (C * W));
  return 10 * y + x + 100 * k + 1;
});
const at = (a: Float32Array, y: number, x: number, k: number, base = 0) => a[base + (y * W + x) * C + k];

function shifted(dy: number, dx: number, mirror: boolean): Float32Array {
  const out = new Float32Array(H * W * C);
  shiftFlip(img, out, 0, H, W, C, dy, dx, mirror);
  return out;
}

test('crop shifts pixels and zero-fills what comes from the padding', () => {
  // dy=1, dx=-2: out(y, x) = in(y+1, x-2), zero where that is outside.
  const out = shifted(1, -2, false);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let k = 0; k < C; k++) {
    const sy = y + 1, sx = x - 2;
    const want = sy < H && sx >= 0 ? 10 * sy + sx + 100 * k + 1 : 0;
    assert.equal(at(out, y, x, k), want, `y${y} x${x} k${k}`);
  }
  // Hand-checked corners: (0,2) <- (1,0) = 11 / 111; bottom row all zero.
  assert.equal(at(out, 0, 2, 0), 11);
  assert.equal(at(out, 0, 2, 1), 111);
  assert.equal(at(out, 2, 3, 0), 0);
  assert.deepEqual(shifted(0, 0, false), img);
  assert.ok(shifted(0, 5, false).every((v) => v === 0)); // shifted entirely out
});

test('flip mirrors columns, and combines with a shift', () => {
  const f = shifted(0, 0, true);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let k = 0; k < C; k++) assert.equal(at(f, y, x, k), at(img, y, W - 1 - x, k));
  // Shift then mirror: out(y, x) = in(y, (W-1-x) + 1).
  const g = shifted(0, 1, true);
  assert.deepEqual([0, 1, 2, 3].map((x) => at(g, 1, x, 0)), [0, 14, 13, 12]);
});

test('augmentBatch: each image gets its own draws; same seed same output', () => {
  const n = 6;
  const batch = new Float32Array(n * img.length);
  for (let i = 0; i < n; i++) batch.set(img, i * img.length);
  const opts = { pad: 1, flip: true };
  const a = augmentBatch(batch, n, [H, W, C], opts, new Rng(42));
  const b = augmentBatch(batch, n, [H, W, C], opts, new Rng(42));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, augmentBatch(batch, n, [H, W, C], opts, new Rng(43)));
  // Replay the documented draws (dy, dx, flip per image) and compare with shiftFlip.
  const r = new Rng(42);
  for (let i = 0; i < n; i++) {
    const dy = r.int(3) - 1, dx = r.int(3) - 1, m = r.next() < 0.5;
    assert.deepEqual(a.subarray(i * img.length, (i + 1) * img.length), shifted(dy, dx, m), `image ${i}`);
  }
  assert.deepEqual(batch.subarray(0, img.length), img); // input untouched
});

test('flip only keeps every pixel; nothing to do returns the input', () => {
  const out = augmentBatch(img, 1, [H, W, C], { pad: 0, flip: true }, new Rng(1));
  assert.ok(out.every((v, i) => v === img[i]) || out.every((v, i) => v === shifted(0, 0, true)[i]));
  assert.equal(augmentBatch(img, 1, [H, W, C], { pad: 0, flip: false }, new Rng(1)), img);
});

test('about half the images are flipped; shifts cover [-pad, pad]', () => {
  // One-pixel-wide marker image: column 0 set, so its column after augmentation reveals the draw.
  const w = 8;
  const n = 2000;
  const one = new Float32Array(w * w);
  for (let y = 0; y < w; y++) one[y * w] = 1;
  const batch = new Float32Array(n * one.length);
  for (let i = 0; i < n; i++) batch.set(one, i * one.length);
  const out = augmentBatch(batch, n, [w, w, 1], { pad: 2, flip: true }, new Rng(9));
  const cols = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const row = out.subarray(i * 64 + 4 * w, i * 64 + 5 * w); // middle row: never shifted out vertically
    const c = row.findIndex((v) => v === 1);
    cols.set(c, (cols.get(c) ?? 0) + 1);
  }
  // out(y, x) = in(y, x + dx) puts the marker at column -dx (0..2 for dx <= 0, gone for dx > 0);
  // flipped it lands at 7 + dx (5..7). Each dx has p 1/5 and flip p 1/2.
  const seen = [...cols.keys()].sort((a, b) => a - b);
  assert.deepEqual(seen, [-1, 0, 1, 2, 5, 6, 7]);
  for (const c of [0, 1, 2, 5, 6, 7]) assert.ok(Math.abs(cols.get(c)! / n - 0.1) < 0.03, `column ${c}: ${cols.get(c)}`);
  assert.ok(Math.abs(cols.get(-1)! / n - 0.4) < 0.04, `lost: ${cols.get(-1)}`);
});

test('dataset defaults: no flips for digits, pad 4 for CIFAR', () => {
  assert.deepEqual(datasetDefaults('mnist'), { flip: false, pad: 2 });
  assert.deepEqual(datasetDefaults('fashion-mnist'), { flip: true, pad: 2 });
  assert.deepEqual(datasetDefaults('cifar10'), { flip: true, pad: 4 });
});
