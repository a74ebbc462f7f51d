import { icmVariant } from './icm.js';

export const icmShared = icmVariant(
  'icm-shared',
  'ICM with shared positives: pairs with identical mixed classifiers are all targets, not negatives',
  { axes: 'both', sharedPositives: true },
);
