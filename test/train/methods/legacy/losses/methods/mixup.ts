import { mixupLoss } from '../../../../../../src/train/objectives/soft-ce.js';
import type { TrainingMethod } from '../types.js';
import { drawMixup, mixBatch } from './shared.js';

export const mixup: TrainingMethod = {
  name: 'mixup',
  description: 'Mixup: mixed inputs, cross-entropy against the mixed soft labels',
  defaults: { alpha: 0.2 },
  draw: (batchSize, _shape, rng, ctx) => drawMixup(batchSize, rng, ctx),
  loss: (forward, x, y, draw) => {
    const m = mixBatch(x, y, draw);
    return mixupLoss(forward(m.x), m.yA, m.yB, m.lam);
  },
};
