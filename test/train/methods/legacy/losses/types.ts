import type * as tf from '@tensorflow/tfjs-core';
import type { ImageShape } from '../../../../../src/types.js';
import type { Rng } from '../../../../../src/util/rng.js';
import type { CutmixBox } from '../../../../../src/train/mixers/cutmix.js';

/** What a method needs to know about the run, besides the batch. */
export interface MethodContext {
  numClasses: number;
  /** Training-set images per class (Remix's ratios). */
  classCounts: number[];
  /** Beta(alpha, alpha) for the mixing lambda. */
  alpha: number;
  /** Weight of the mixed term in the RegMixup family. */
  gamma: number;
  /** Remix: class-count ratio threshold. */
  kappa: number;
  /** Remix: lambda threshold. */
  tau: number;
  /** One lambda per batch (the authors' code) or one per sample. */
  lambdaMode: 'batch' | 'sample';
}

/**
 * Every random choice of one training step, made on the host from the run's Rng so that runs are
 * seeded and identical on every backend.
 */
export interface MixDraw {
  /** Partner of each sample: x̃_i mixes x_i with x_perm[i]. [batch] */
  perm: Int32Array;
  /**
   * Weight of the sample itself (the partner gets 1 - lam): one number per batch or one per sample
   * [batch]. For CutMix this is the area-corrected lambda of the box.
   */
  lam: number | Float32Array;
  /** CutMix's pasted region (only for the CutMix family). */
  box?: CutmixBox;
}

/** One training loss: a registry entry (see methods/). */
export interface TrainingMethod {
  name: string;
  /** One line for --help and the README. */
  description: string;
  /** The authors' defaults; the trainer uses them when the user gives none. */
  defaults: { alpha?: number; gamma?: number };
  /** The loss builds [b, b] pair matrices (the ICM family): memory grows with the batch squared. */
  pairwise?: boolean;
  /** Draw the step's random choices; `shape` is one image's [h, w, c]. */
  draw(batchSize: number, shape: ImageShape, rng: Rng, ctx: MethodContext): MixDraw;
  /**
   * The step's loss. `forward` runs the model in training mode ([b,h,w,c] -> logits [b, classes]);
   * `x` is the normalised, augmented batch [b,h,w,c]; `y` the labels, int32 [b].
   * Call it inside tf.variableGrads: intermediate tensors are the caller's to tidy.
   */
  loss(forward: (x: tf.Tensor4D) => tf.Tensor2D, x: tf.Tensor4D, y: tf.Tensor1D, draw: MixDraw, ctx: MethodContext): tf.Scalar;
}
