import { icmLoss, type IcmOptions } from '../../losses/icm.js';
import type { ObjectiveKind } from '../types.js';

/**
 * Infinite Class Mixup: each mixed sample against the batch's mixed classifiers (axes 'both',
 * 'class' or 'pair'; optionally with shared positives). The mixed classifiers take the mixer's
 * label-side lambda. An unmixed batch gives Ỹ = onehot(y).
 */
export const icm: ObjectiveKind<IcmOptions> = {
  pairwise: true,
  create: (opts) => ({
    loss: (logits, b) => icmLoss(logits, b.yA, b.yB ?? b.yA, b.labelLam, opts),
  }),
};
