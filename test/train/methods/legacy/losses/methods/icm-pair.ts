import { icmVariant } from './icm.js';

export const icmPair = icmVariant('icm-pair', 'ICM, pair axis only: each mixed classifier picks its mixed sample (authors\' -c)', { axes: 'pair' });
