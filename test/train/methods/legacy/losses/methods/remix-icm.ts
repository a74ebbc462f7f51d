import { icmLoss } from '../../../../../../src/train/objectives/icm.js';
import type { TrainingMethod } from '../types.js';
import { drawMixup, remixBatch } from './shared.js';

/** Inputs mixed with lambda; each mixed classifier uses Remix's rebalanced label lambda. */
export const remixIcm: TrainingMethod = {
  name: 'remix-icm',
  description: "ICM whose mixed classifiers take Remix's rebalanced label weights, for long-tailed data",
  defaults: { alpha: 0.2 },
  pairwise: true,
  draw: (batchSize, _shape, rng, ctx) => drawMixup(batchSize, rng, ctx),
  loss: (forward, x, y, draw, ctx) => {
    const m = remixBatch(x, y, draw, ctx);
    return icmLoss(forward(m.x), m.yA, m.yB, m.lam);
  },
};
