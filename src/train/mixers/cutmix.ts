import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../util/rng.js';
import { IcmixError } from '../../util/errors.js';
import { permute } from './permute.js';
import { drawLambda, LAMBDA_PARAMS } from './lambda.js';
import type { MixerKind } from './types.js';

/** A half-open pixel box [y0, y1) × [x0, x1) and the lambda that matches its area. */
export interface CutmixBox {
  y0: number;
  y1: number;
  x0: number;
  x1: number;
  /** 1 − box area / image area: the weight of the image the box is pasted into. */
  lam: number;
}

/**
 * CutMix's box for a drawn lam: side lengths sqrt(1 − lam)·(H, W) (rounded down), centre uniform
 * over the pixels, clipped to the image. Clipping shrinks the box, so the returned lam is
 * recomputed from the area actually pasted.
 */
export function drawCutmixBox(h: number, w: number, lam: number, rng: Rng): CutmixBox {
  if (!(lam >= 0 && lam <= 1)) throw new IcmixError(`CutMix lambda must lie in [0, 1], got ${lam}`);
  const r = Math.sqrt(1 - lam);
  const ch = Math.floor(h * r);
  const cw = Math.floor(w * r);
  const cy = rng.int(h);
  const cx = rng.int(w);
  const y0 = clamp(cy - Math.floor(ch / 2), 0, h);
  const y1 = clamp(cy + Math.floor(ch / 2), 0, h);
  const x0 = clamp(cx - Math.floor(cw / 2), 0, w);
  const x1 = clamp(cx + Math.floor(cw / 2), 0, w);
  return { y0, y1, x0, x1, lam: 1 - ((y1 - y0) * (x1 - x0)) / (h * w) };
}

/** Paste box of x_perm[i] into x_i, for every i. x [b,h,w,c]. */
export function cutmixInputs(x: tf.Tensor4D, perm: Int32Array, box: CutmixBox): tf.Tensor4D {
  const [, h, w] = x.shape;
  // The mask is built on the host: it is tiny ([h,w]) and keeps the op list backend-neutral.
  const m = new Float32Array(h * w);
  for (let i = box.y0; i < box.y1; i++) m.fill(1, i * w + box.x0, i * w + box.x1);
  const mask = tf.tensor4d(m, [1, h, w, 1]);
  return tf.add(tf.mul(x, tf.sub(1, mask)), tf.mul(permute(x, perm), mask));
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

const PARAMS = { alpha: LAMBDA_PARAMS.alpha } as const;
export type CutmixOptions = { alpha: number };

/**
 * CutMix (Yun et al., 2019): one lambda and one box per batch (whatever lambdaMode says: a box per
 * sample would need per-sample masks, and CutMix's reference draws one). Labels weigh by the box's
 * area-corrected lambda.
 */
export const cutmix: MixerKind<typeof PARAMS, CutmixOptions> = {
  params: PARAMS,
  create: (o) => ({
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
  }),
};
