import type * as tf from '@tensorflow/tfjs-core';
import type { OptionSpec } from '../../util/options.js';
import type { LossTargets } from '../mixers/types.js';

/** A loss on the logits of a mixer's output. */
export interface Objective {
  /** logits [b, classes] of the mixed inputs -> scalar loss, mean over the batch. */
  loss(logits: tf.Tensor2D, batch: LossTargets): tf.Scalar;
}

/**
 * An objective's registry entry. `params` are run parameters it reads (declared here: default,
 * range, help); `O` are the options a preset fixes ({ kind, ...O } in presets.ts).
 */
export interface ObjectiveKind<P extends Record<string, OptionSpec>, O> {
  readonly params: P;
  /** Builds [b, b] pair matrices: memory grows with the batch squared. */
  pairwise: boolean;
  create(options: O): Objective;
}
