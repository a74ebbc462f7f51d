import { icmVariant } from './icm.js';

export const icmClass = icmVariant('icm-class', 'ICM, class axis only: each mixed sample picks its mixed classifier (authors\' -s)', { axes: 'class' });
