import * as tf from '@tensorflow/tfjs-core';
import { IcmixError } from '../../util/errors.js';
import { checkLabels, mixedTargets, softCrossEntropy } from './soft-ce.js';
import type { ObjectiveKind } from './types.js';

/**
 * Which softmax axes of the pair-logit matrix S [b, b] the loss uses (rows i = mixed samples,
 * columns j = mixed classifiers). Named as in the authors' README; their flags in brackets:
 * - 'class' (-s): CE(S, I). Each mixed sample picks its own mixed classifier among the batch's
 *   mixed classifiers, like ordinary classification over (mixed) classes.
 * - 'pair'  (-c): CE(Sᵀ, I). Each mixed classifier picks its own mixed sample among the batch's
 *   mixed samples (pairs).
 * - 'both'  (-f): the sum, the paper's dual-contrastive loss.
 * The flag-to-name mapping follows the README's order ("class- or pair-axis ... -s or -c") and the
 * abstract ("contrast the classifier of a mixed pair to both the classifiers [rows] and the
 * predicted outputs [columns] of other mixed pairs"); the code itself only names the flags.
 */
export type IcmAxes = 'both' | 'pair' | 'class';

export interface IcmOptions {
  /** Default 'both'. */
  axes?: IcmAxes;
  /**
   * Treat pairs with identical mixed classifiers (same Ỹ row) as shared positives: the target
   * row spreads uniformly over them instead of the identity. Default false (the paper's loss).
   * Twin columns of S are identical for any weights, so this gives the same loss and gradient as
   * the identity (per row on the class axis, summed over each twin group on the pair axis); it
   * only costs an extra [b, b, classes] comparison. Kept as an ablation that shows it.
   */
  sharedPositives?: boolean;
}

/**
 * Pair logits S = Z·Ỹᵀ [b, b]: S_ij = w̃_jᵀ f_i + b̃_j, the logit of mixed sample i under the
 * mixed classifier of pair j (weights and bias mixed alike, since Z is linear in them).
 * logits Z [b, classes].
 */
export function icmPairLogits(logits: tf.Tensor2D, yA: tf.Tensor1D, yB: tf.Tensor1D, lam: number | tf.Tensor1D): tf.Tensor2D {
  return tf.matMul(logits, mixedTargets(yA, yB, lam, logits.shape[1]), false, true) as tf.Tensor2D;
}

/**
 * Target [b, b] that treats identical mixed classifiers as one class: T_ij = 1/k_i when Ỹ_j equals
 * Ỹ_i (k_i = how many rows equal Ỹ_i, itself included), else 0. Symmetric, so it serves both axes.
 * Rows compare within 1e-6 per entry: with one lambda per batch, equal pairs give equal floats, and
 * (a, b, λ) vs (b, a, 1 − λ) differ only by rounding.
 */
export function sharedPositiveTargets(mixed: tf.Tensor2D): tf.Tensor2D {
  const diff = tf.max(tf.abs(tf.sub(tf.expandDims(mixed, 1), tf.expandDims(mixed, 0))), 2); // [b, b]
  const same = tf.cast(tf.lessEqual(diff, 1e-6), 'float32');
  return tf.div(same, tf.sum(same, 1, true)) as tf.Tensor2D;
}

/**
 * Infinite Class Mixup loss as the authors' code computes it: S = Z·Ỹᵀ, then
 * CE(S, I) + CE(Sᵀ, I), each a mean over the b rows (or one of them, see IcmAxes).
 * logits Z [b, classes] of the mixed inputs; yA, yB int32 [b]; lam a number or [b].
 */
export function icmLoss(
  logits: tf.Tensor2D,
  yA: tf.Tensor1D,
  yB: tf.Tensor1D,
  lam: number | tf.Tensor1D,
  opts: IcmOptions = {},
): tf.Scalar {
  const axes = opts.axes ?? 'both';
  if (axes !== 'both' && axes !== 'pair' && axes !== 'class') {
    throw new IcmixError(`ICM axes must be 'both', 'pair' or 'class', got '${String(axes)}'`);
  }
  checkLabels(logits, yA, 'yA');
  checkLabels(logits, yB, 'yB');
  const mixed = mixedTargets(yA, yB, lam, logits.shape[1]); // [b, classes]
  const s = tf.matMul(logits, mixed, false, true) as tf.Tensor2D; // [b, b]
  if (opts.sharedPositives) {
    // The target is symmetric, so Tᵀ = T serves the pair axis.
    const target = sharedPositiveTargets(mixed);
    if (axes === 'class') return softCrossEntropy(s, target);
    const pair = softCrossEntropy(tf.transpose(s) as tf.Tensor2D, target);
    return axes === 'pair' ? pair : tf.add(softCrossEntropy(s, target), pair);
  }
  // Identity target: CE(S, I) = mean_i [logsumexp_j S_ij − S_ii], and CE(Sᵀ, I) the same with
  // logsumexp over i. S_ii = Z_i·Ỹ_i comes from [b, classes] directly; no eye, no transpose.
  const diag = tf.mean(tf.sum(tf.mul(logits, mixed), 1));
  const lse = MEAN_LSE[axes](s);
  return tf.sub(lse, axes === 'both' ? tf.mul(diag, 2) : diag);
}

/**
 * mean_i logsumexp_j S_ij (rows), mean_j logsumexp_i S_ij (cols), or their sum, with the gradient
 * written out: d/dS = (row softmax + column softmax) / b. Autodiff through logSumExp costs about
 * twice as much on the cpu backend, where [b, b] elementwise ops dominate ICM's cost.
 */
function meanLse(rows: boolean, cols: boolean): (s: tf.Tensor2D) => tf.Scalar {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const s = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const r = rows ? tf.logSumExp(s, 1, true) : undefined; // [b, 1]
    const c = cols ? tf.logSumExp(s, 0, true) : undefined; // [1, b]
    const parts = [r, c].filter((t): t is tf.Tensor => t !== undefined);
    save([s, ...parts]);
    const value = parts.length === 2 ? tf.add(tf.mean(parts[0]), tf.mean(parts[1])) : tf.mean(parts[0]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [x, ...lse] = saved;
        const soft = lse.map((l) => tf.exp(tf.sub(x, l)));
        const sum = soft.length === 2 ? tf.add(soft[0], soft[1]) : soft[0];
        return tf.mul(sum, tf.div(dy, x.shape[0]));
      },
    };
  });
  return (s) => op(s) as tf.Scalar;
}

const MEAN_LSE: Record<IcmAxes, (s: tf.Tensor2D) => tf.Scalar> = {
  both: meanLse(true, true),
  class: meanLse(true, false),
  pair: meanLse(false, true),
};

/**
 * Infinite Class Mixup: each mixed sample against the batch's mixed classifiers (axes 'both',
 * 'class' or 'pair'; optionally with shared positives, chosen by the preset). The mixed
 * classifiers take the mixer's label-side lambda. An unmixed batch gives Ỹ = onehot(y).
 */
export const icm: ObjectiveKind<Record<never, never>, IcmOptions> = {
  params: {},
  pairwise: true,
  create: (opts) => ({
    loss: (logits, b) => icmLoss(logits, b.yA, b.yB ?? b.yA, b.labelLam, opts),
  }),
};
