import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { TrainingEngine } from './types.js';

/** tfjs's pure-JS backend: the reference every other engine is tested against; nothing of ours. */
export const cpuEngine: TrainingEngine<'cpu'> = {
  name: 'cpu',
  description: 'tfjs-backend-cpu: plain JavaScript, the numerical reference (slow)',
  priority: 0,
  packages: ['@tensorflow/tfjs-backend-cpu'],
  installHint: 'reinstall the dependencies with `npm ci` (@tensorflow/tfjs-backend-cpu)',
  available: () => ({ ok: true, package: '@tensorflow/tfjs-backend-cpu' }),
  async init() {
    await tf.setBackend('cpu');
    await tf.ready();
    return { name: 'cpu', package: '@tensorflow/tfjs-backend-cpu', threads: 1 };
  },
  release() {},
  defaultWorkers: () => 1,
  workerThreads: true,
};
