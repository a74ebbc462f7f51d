import { cutmixInputs, drawCutmixBox } from '../../mixing/cutmix.js';
import { drawLambda } from '../../mixing/lambda.js';
import { permute } from '../../mixing/inputs.js';
import { IcmixError } from '../../../util/errors.js';
import type { MethodParams } from '../params.js';
import type { Mixer } from '../types.js';

export type CutmixOptions = Pick<MethodParams, 'alpha'>;

/**
 * CutMix: one lambda and one box per batch (whatever lambdaMode says: a box per sample would need
 * per-sample masks, and CutMix's reference draws one). Labels weigh by the box's area-corrected
 * lambda.
 */
export function cutmixMixer(o: CutmixOptions): Mixer {
  return {
    draw: (batchSize, shape, rng) => {
      const lam0 = drawLambda(o.alpha, rng);
      const perm = rng.permutation(batchSize);
      const box = drawCutmixBox(shape[0], shape[1], lam0, rng);
      return { perm, lam: box.lam, box };
    },
    mix: (x, y, draw) => {
      if (!draw.box) throw new IcmixError('the cutmix mixer needs a draw with a box; draw it with the same mixer');
      return { x: cutmixInputs(x, draw.perm, draw.box), yA: y, yB: permute(y, draw.perm), labelLam: draw.box.lam };
    },
  };
}
