/**
 * A leaner gradient for FusedBatchNorm (tf.batchNorm), same maths as tfjs-core's.
 *
 * Core's version makes about a dozen full-size passes per BN layer (x - mean twice, a Tile of
 * rsqrt(var) up to x's shape, then separate multiplies for each of the five gradients before their
 * reductions). With y = (x - m) * r * s + o and r = rsqrt(v + eps), all five need only
 *   sum(dy) and sum(dy * (x - m))   (per channel)
 * plus dx = dy * (r * s), so five full-size passes: sum(dy), x - m, dy * (x - m), its sum, and dx.
 * Per-channel ([C]) means only; other shapes keep core's gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';

let core: GradConfig | undefined;

function leanGrad(dy: Tensor, saved: Tensor[], attrs: NamedAttrMap): Record<string, () => Tensor> {
  const [x, mean, variance, scale] = saved;
  if (mean.rank !== 1 || x.rank < 2 || mean.shape[0] !== x.shape[x.rank - 1]) {
    return core!.gradFunc(dy, saved, attrs) as Record<string, () => Tensor>;
  }
  const eps = (attrs as unknown as { varianceEpsilon: number }).varianceEpsilon;
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const s = scale ?? tf.scalar(1);
  const r = tf.rsqrt(tf.add(variance, tf.scalar(eps))); // [C]
  // Shared by several gradients, so computed here, not in the thunks: the tape runs each thunk in
  // its own tidy (as core's gradient does, these die with the backward pass's scope). In a BN
  // layer all five gradients are wanted.
  const sumDy = tf.sum(dy, axes); // [C]
  const sumDyXm = tf.sum(tf.mul(dy, tf.sub(x, mean)), axes); // [C]
  return {
    x: () => tf.mul(dy, tf.mul(r, s)),
    mean: () => tf.mul(sumDy, tf.neg(tf.mul(r, s))),
    variance: () => tf.mul(sumDyXm, tf.mul(tf.mul(s, tf.scalar(-0.5)), tf.mul(r, tf.mul(r, r)))),
    scale: () => tf.reshape(tf.mul(sumDyXm, r), mean.shape),
    offset: () => tf.reshape(sumDy, mean.shape),
  };
}

/** Install the lean gradient (idempotent). Backend-independent: it is built from tfjs ops. */
export function registerLeanBatchNormGradient(): void {
  const current = tf.getGradient(tf.FusedBatchNorm);
  if (current && current.gradFunc === leanGrad) return;
  core = current;
  tf.registerGradient({ kernelName: tf.FusedBatchNorm, inputsToSave: ['x', 'mean', 'variance', 'scale'], gradFunc: leanGrad as GradConfig['gradFunc'] });
}

/** Put core's gradient back (for comparisons). */
export function restoreCoreBatchNormGradient(): void {
  if (core) tf.registerGradient(core);
}
