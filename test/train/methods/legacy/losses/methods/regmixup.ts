import * as tf from '@tensorflow/tfjs-core';
import { ceLoss } from '../../../../../../src/train/objectives/soft-ce.js';
import { mixupLoss } from '../../../../../../src/train/objectives/soft-ce.js';
import type { TrainingMethod } from '../types.js';
import { drawMixup, mixBatch } from './shared.js';

/** As the ICM code runs it: two forward passes, CE(clean) + gamma·Mixup-CE(mixed). */
export const regmixup: TrainingMethod = {
  name: 'regmixup',
  description: 'RegMixup: cross-entropy on the clean batch + gamma x Mixup loss on a mixed copy (alpha 20)',
  defaults: { alpha: 20, gamma: 1 },
  draw: (batchSize, _shape, rng, ctx) => drawMixup(batchSize, rng, ctx),
  loss: (forward, x, y, draw, ctx) => {
    const clean = ceLoss(forward(x), y);
    const m = mixBatch(x, y, draw);
    return tf.add(clean, tf.mul(mixupLoss(forward(m.x), m.yA, m.yB, m.lam), ctx.gamma));
  },
};
