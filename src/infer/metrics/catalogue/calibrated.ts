import { defineMetric } from './entry.js';

/** ECE on the test split after temperature scaling fitted on the validation split. */
export const eceTs = defineMetric({
  key: 'eceTs',
  title: 'ECE after TS',
  description: 'expected calibration error (equal-width bins) after temperature scaling fitted on the validation split',
  unit: 'rate',
  direction: 'lower',
  source: { scope: 'report', path: ['calibration', 'after', 'ece'] },
  views: ['study'],
});
