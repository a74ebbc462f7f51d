import { oodAuroc, oodFpr95 } from './ood.js';

/** Max logit (Hendrycks et al., 2022): max_c z_c; unlike max softmax it keeps the logits' scale. */
const MAX_LOGIT = 'max-logit score max_c z_c';

export const maxLogitAuroc = oodAuroc('maxLogitAuroc', 'maxLogit', MAX_LOGIT, { views: ['compare', 'study'] });
export const maxLogitFpr95 = oodFpr95('maxLogitFpr95', 'maxLogit', MAX_LOGIT, { views: ['compare', 'study'] });
