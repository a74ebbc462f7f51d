export type { MethodContext, MixDraw, TrainingMethod } from './types.js';
export { ceLoss, softCrossEntropy } from '../../../../../src/train/losses/ce.js';
export { mixupLoss, mixedTargets } from '../../../../../src/train/losses/mixup.js';
export { icmLoss, icmPairLogits, sharedPositiveTargets, type IcmAxes, type IcmOptions } from '../../../../../src/train/losses/icm.js';
export { getMethod, listMethods } from './registry.js';
export { drawMixup, drawCutmix, mixBatch, remixBatch } from './methods/shared.js';
export * from '../../../../../src/train/mixing/index.js';
