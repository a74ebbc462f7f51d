import * as tf from '@tensorflow/tfjs-core';
import { IcmixError } from '../../../util/errors.js';
import { remixLabelLambda } from '../../mixing/remix.js';
import type { MethodParams } from '../params.js';
import type { Mixer, TrainingData } from '../types.js';
import { drawMixup, mixupBatch } from './mixup.js';

export type RemixOptions = Pick<MethodParams, 'alpha' | 'lambdaMode' | 'kappa' | 'tau'> & TrainingData;

/**
 * Remix: Mixup's draw and inputs; the label-side lambda rebalanced by class counts (kappa, tau).
 * Labels are read back to the host (int32, no gradient) so the rule runs exactly as
 * remixLabelLambda states it.
 */
export function remixMixer(o: RemixOptions): Mixer {
  if (o.classCounts.length !== o.numClasses) {
    throw new IcmixError(`Remix needs the training count of each of the ${o.numClasses} classes, got ${o.classCounts.length} counts`);
  }
  return {
    draw: (batchSize, _shape, rng) => drawMixup(batchSize, rng, o),
    mix: (x, y, draw) => {
      // Read before mixupBatch uses y: on webgpu a label tensor still on the host reads back
      // synchronously, one uploaded to the GPU cannot (Node has no synchronous GPU read).
      const ya = y.dataSync() as Int32Array;
      const batch = mixupBatch(x, y, draw);
      const yb = new Int32Array(ya.length);
      for (let i = 0; i < ya.length; i++) yb[i] = ya[draw.perm[i]];
      return { ...batch, labelLam: tf.tensor1d(remixLabelLambda(draw.lam, ya, yb, o.classCounts, o.kappa, o.tau)) };
    },
  };
}
