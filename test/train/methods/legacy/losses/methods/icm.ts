import { icmLoss, type IcmOptions } from '../../../../../../src/train/objectives/icm.js';
import type { TrainingMethod } from '../types.js';
import { drawMixup, mixBatch } from './shared.js';

/** Plain ICM on Mixup's inputs; the single-axis and shared-positive variants differ only in opts. */
export function icmVariant(name: string, description: string, opts: IcmOptions): TrainingMethod {
  return {
    name,
    description,
    defaults: { alpha: 0.2 },
    pairwise: true,
    draw: (batchSize, _shape, rng, ctx) => drawMixup(batchSize, rng, ctx),
    loss: (forward, x, y, draw) => {
      const m = mixBatch(x, y, draw);
      return icmLoss(forward(m.x), m.yA, m.yB, m.lam, opts);
    },
  };
}

export const icm = icmVariant(
  'icm',
  'Infinite Class Mixup: contrast each mixed sample with the batch of mixed classifiers, both axes',
  { axes: 'both' },
);
