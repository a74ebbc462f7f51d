import { defineMetric } from './entry.js';

/** Mean accuracy over every corruption × severity (CIFAR-10-C's protocol). */
export const corruptionAccuracy = defineMetric({
  key: 'corruptionAccuracy',
  title: 'corruption acc.',
  description: 'mean accuracy over all corruptions × severities',
  unit: 'rate',
  direction: 'higher',
  source: { scope: 'runtime', path: ['suites', 'corruptions', 'mean', 'accuracy'] },
  views: ['compare', 'study'],
});
