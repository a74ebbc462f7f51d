import * as tf from '@tensorflow/tfjs-core';
import { ceLoss } from '../../../../../../src/train/objectives/soft-ce.js';
import { icmLoss } from '../../../../../../src/train/objectives/icm.js';
import type { TrainingMethod } from '../types.js';
import { drawMixup, mixBatch } from './shared.js';

/** The authors' icregmixup-f: CE(clean) + gamma·ICM(mixed), two forward passes. */
export const regIcm: TrainingMethod = {
  name: 'reg-icm',
  description: 'RegMixup with ICM: cross-entropy on the clean batch + gamma x ICM loss on a mixed copy (alpha 20)',
  defaults: { alpha: 20, gamma: 1 },
  pairwise: true,
  draw: (batchSize, _shape, rng, ctx) => drawMixup(batchSize, rng, ctx),
  loss: (forward, x, y, draw, ctx) => {
    const clean = ceLoss(forward(x), y);
    const m = mixBatch(x, y, draw);
    return tf.add(clean, tf.mul(icmLoss(forward(m.x), m.yA, m.yB, m.lam), ctx.gamma));
  },
};
