import { mixupLoss } from '../../../../../../src/train/objectives/soft-ce.js';
import type { TrainingMethod } from '../types.js';
import { drawCutmix, mixBatch } from './shared.js';

export const cutmix: TrainingMethod = {
  name: 'cutmix',
  description: "CutMix: paste a box of the partner image, labels mixed by the box's area",
  defaults: { alpha: 1 },
  draw: (batchSize, shape, rng, ctx) => drawCutmix(batchSize, shape, rng, ctx),
  loss: (forward, x, y, draw) => {
    const m = mixBatch(x, y, draw);
    return mixupLoss(forward(m.x), m.yA, m.yB, m.lam);
  },
};
