import { ceLoss } from '../../losses/ce.js';
import { mixupLoss } from '../../losses/mixup.js';
import type { ObjectiveKind } from '../types.js';

/**
 * Cross-entropy against the mixed soft labels (Mixup's loss); plain CE when the batch was not
 * mixed, so an unmixed step runs exactly the ops of ordinary classification.
 */
export const softCe: ObjectiveKind<object> = {
  pairwise: false,
  create: () => ({
    loss: (logits, b) => (b.yB ? mixupLoss(logits, b.yA, b.yB, b.labelLam) : ceLoss(logits, b.yA)),
  }),
};
