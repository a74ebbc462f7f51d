import type { ImageShape, Normalization } from '../../src/types.js';
import { tinyRunDir } from './runtimes/tiny-model.js';
import { writeIdxDataset } from './suites/fixtures.js';

/** A tiny run folder that calibrate can use: an 8x8 IDX dataset (28 train, 12 val, 20 test) and a 3-class MLP. */
export async function calibrationRun(seed = 3, dataSeed = 6): Promise<{ runDir: string; onnxPath: string; spec: { shape: ImageShape; classes: number; normalization: Normalization; hidden: number; seed: number } }> {
  const spec = { shape: [8, 8, 1] as ImageShape, classes: 3, normalization: { mean: [0.2], std: [0.3] }, hidden: 6, seed };
  const dataDir = await writeIdxDataset({ h: 8, w: 8, classes: 3, train: 40, test: 20, seed: dataSeed });
  const dataset = `idx:${dataDir}`;
  const { runDir, onnxPath } = await tinyRunDir(spec, {
    config: { dataset, seed: 7, valSize: 12 },
    dataset: { name: dataset, protocol: { seed: 7 }, trainSize: 28, valSize: 12, testSize: 20, classCounts: [] },
  });
  return { runDir, onnxPath, spec };
}
