import * as tf from '@tensorflow/tfjs-core';
import { IcmixError } from '../../util/errors.js';
import type { OptionValues } from '../../util/options.js';
import { positive } from '../../util/ranges.js';
import { LAMBDA_PARAMS } from './lambda.js';
import { drawMixup, mixupBatch } from './mixup.js';
import type { MixerKind, TrainingData } from './types.js';

const PARAMS = {
  alpha: LAMBDA_PARAMS.alpha,
  lambdaMode: LAMBDA_PARAMS.lambdaMode,
  kappa: { kind: 'number', rule: positive, default: 3, help: 'Remix class-count ratio threshold' },
  tau: { kind: 'number', rule: { type: 'number', min: 0, max: 1 }, default: 0.5, help: 'Remix lambda threshold' },
} as const;
export type RemixOptions = OptionValues<typeof PARAMS> & TrainingData;

/**
 * Remix's label weights (Chou et al., 2020), one per sample. The input is mixed with lam_i; the
 * label weight of y_i is
 *   0      if n(yA_i)/n(yB_i) ≥ kappa and lam_i < tau       (majority sample, small share: all to the minority)
 *   1      if n(yA_i)/n(yB_i) ≤ 1/kappa and 1 − lam_i < tau  (minority sample, large share: all to it)
 *   lam_i  otherwise,
 * with n the training class counts. `lam` is one number for the batch or one per sample.
 */
export function remixLabelLambda(
  lam: number | Float32Array,
  yA: Int32Array | ArrayLike<number>,
  yB: Int32Array | ArrayLike<number>,
  classCounts: number[],
  kappa: number,
  tau: number,
): Float32Array {
  const b = yA.length;
  if (yB.length !== b) throw new IcmixError(`Remix: ${yA.length} labels but ${yB.length} partner labels`);
  if (typeof lam !== 'number' && lam.length !== b) throw new IcmixError(`Remix: ${lam.length} lambdas for a batch of ${b}`);
  const out = new Float32Array(b);
  for (let i = 0; i < b; i++) {
    const l = typeof lam === 'number' ? lam : lam[i];
    const na = classCounts[yA[i]];
    const nb = classCounts[yB[i]];
    if (!(na > 0) || !(nb > 0)) {
      throw new IcmixError(`Remix needs a positive training count for every class in the batch; class ${na > 0 ? yB[i] : yA[i]} has ${na > 0 ? nb : na}`);
    }
    const ratio = na / nb;
    if (ratio >= kappa && l < tau) out[i] = 0;
    else if (ratio <= 1 / kappa && 1 - l < tau) out[i] = 1;
    else out[i] = l;
  }
  return out;
}

/**
 * Remix: Mixup's draw and inputs; the label-side lambda rebalanced by class counts (kappa, tau).
 * Labels are read back to the host (int32, no gradient) so the rule runs exactly as
 * remixLabelLambda states it.
 */
export const remix: MixerKind<typeof PARAMS, RemixOptions> = {
  params: PARAMS,
  create: (o) => {
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
  },
};
