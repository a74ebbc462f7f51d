import { oodAuroc, oodFpr95 } from './ood.js';

/** Max softmax probability (Hendrycks & Gimpel): the default OOD score, so its titles carry no name. */
const MSP = 'max-softmax score max_c softmax(z)_c';

export const mspAuroc = oodAuroc('auroc', 'msp', MSP, { named: false, views: ['compare', 'study'] });
export const mspFpr95 = oodFpr95('fpr95', 'msp', MSP, { named: false, views: ['compare', 'study'] });
