/** Test images with structure (shapes on a background), and tiny IDX datasets on disk. */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeIdxFile } from '../../../src/data/index.js';
import type { ImageShape } from '../../../src/types.js';
import { Rng } from '../../../src/util/rng.js';

/** n images of bright rectangles and discs on a dark background, [n, h, w, c] in [0, 1]. */
export function shapeImages(n: number, shape: ImageShape, seed = 1): Float32Array {
  const [h, w, c] = shape;
  const rng = new Rng(seed);
  const out = new Float32Array(n * h * w * c);
  for (let i = 0; i < n; i++) {
    const y0 = 2 + rng.int(h / 2);
    const x0 = 2 + rng.int(w / 2);
    const rh = 3 + rng.int(h / 3);
    const rw = 3 + rng.int(w / 3);
    const cy = rng.next() * h;
    const cx = rng.next() * w;
    const r = 2 + rng.next() * (h / 4);
    const col = Array.from({ length: c }, () => 0.5 + 0.5 * rng.next());
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const inRect = y >= y0 && y < y0 + rh && x >= x0 && x < x0 + rw;
        const inDisc = (y - cy) ** 2 + (x - cx) ** 2 < r * r;
        for (let ch = 0; ch < c; ch++) out[((i * h + y) * w + x) * c + ch] = inRect ? col[ch] : inDisc ? 0.6 * col[ch] : 0.05;
      }
    }
  }
  return out;
}

/** A folder with MNIST-style IDX files (grey images), loadable as dataset `idx:<folder>`. */
export async function writeIdxDataset(opts: { h: number; w: number; classes: number; train: number; test: number; seed?: number; images?: (n: number, seed: number) => Float32Array }): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'icmix-idx-'));
  const make = opts.images ?? ((n: number, seed: number) => shapeImages(n, [opts.h, opts.w, 1], seed));
  for (const [prefix, n, seed] of [['train', opts.train, (opts.seed ?? 1) * 2], ['t10k', opts.test, (opts.seed ?? 1) * 2 + 1]] as const) {
    const x = make(n, seed);
    const bytes = Uint8Array.from(x, (v) => Math.round(v * 255));
    const rng = new Rng(seed);
    const labels = Uint8Array.from({ length: n }, (_, i) => (i < opts.classes ? i : rng.int(opts.classes)));
    await writeIdxFile(path.join(dir, `${prefix}-images-idx3-ubyte`), bytes, [n, opts.h, opts.w]);
    await writeIdxFile(path.join(dir, `${prefix}-labels-idx1-ubyte`), labels, [n]);
  }
  return dir;
}
