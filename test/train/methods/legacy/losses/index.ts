export type { MethodContext, MixDraw, TrainingMethod } from './types.js';
export { ceLoss, softCrossEntropy } from './ce.js';
export { mixupLoss, mixedTargets } from './mixup.js';
export { icmLoss, icmPairLogits, sharedPositiveTargets, type IcmAxes, type IcmOptions } from './icm.js';
export { getMethod, listMethods } from './registry.js';
export { drawMixup, drawCutmix, mixBatch, remixBatch } from './methods/shared.js';
export * from '../mixing/index.js';
