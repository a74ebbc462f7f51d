import { ceLoss } from '../../../../../../src/train/objectives/soft-ce.js';
import type { TrainingMethod } from '../types.js';
import { drawNone } from './shared.js';

export const ce: TrainingMethod = {
  name: 'ce',
  description: 'plain cross-entropy, no mixing',
  defaults: {},
  draw: (batchSize) => drawNone(batchSize),
  loss: (forward, x, y) => ceLoss(forward(x), y),
};
