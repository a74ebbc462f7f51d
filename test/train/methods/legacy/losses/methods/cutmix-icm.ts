import { icmLoss } from '../../../../../../src/train/objectives/icm.js';
import type { TrainingMethod } from '../types.js';
import { drawCutmix, mixBatch } from './shared.js';

export const cutmixIcm: TrainingMethod = {
  name: 'cutmix-icm',
  description: "ICM on CutMix inputs: mixed classifiers weighted by the pasted box's area",
  defaults: { alpha: 1 },
  pairwise: true,
  draw: (batchSize, shape, rng, ctx) => drawCutmix(batchSize, shape, rng, ctx),
  loss: (forward, x, y, draw) => {
    const m = mixBatch(x, y, draw);
    return icmLoss(forward(m.x), m.yA, m.yB, m.lam);
  },
};
