export { ceLoss, softCrossEntropy } from './ce.js';
export { mixupLoss, mixedTargets } from './mixup.js';
export { icmLoss, icmPairLogits, sharedPositiveTargets, type IcmAxes, type IcmOptions } from './icm.js';
export * from '../mixing/index.js';
