import { mixupLoss } from '../../../../../../src/train/objectives/soft-ce.js';
import type { TrainingMethod } from '../types.js';
import { drawMixup, remixBatch } from './shared.js';

export const remix: TrainingMethod = {
  name: 'remix',
  description: 'Remix: Mixup whose label weights favour the rarer class (kappa, tau) for long-tailed data',
  defaults: { alpha: 0.2 },
  draw: (batchSize, _shape, rng, ctx) => drawMixup(batchSize, rng, ctx),
  loss: (forward, x, y, draw, ctx) => {
    const m = remixBatch(x, y, draw, ctx);
    return mixupLoss(forward(m.x), m.yA, m.yB, m.lam);
  },
};
