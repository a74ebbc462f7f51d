/** The in-distribution suite: the dataset's test split, optionally a seeded subset. */
import type { ImageSet } from '../../data/index.js';
import { gather, sampleIndices, type EvalImages } from './types.js';

export function idSet(test: ImageSet, opts: { limit?: number; seed: number }): EvalImages & { labels: Int32Array } {
  const size = test.shape[0] * test.shape[1] * test.shape[2];
  const idx = sampleIndices(test.labels.length, opts.limit, opts.seed, 'id-limit');
  if (idx.length === test.labels.length) return { key: 'id', images: test.images, n: idx.length, shape: test.shape, labels: test.labels };
  return { key: 'id', images: gather(test.images, size, idx), n: idx.length, shape: test.shape, labels: Int32Array.from(idx, (i) => test.labels[i]) };
}
