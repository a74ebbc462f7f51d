import type * as tf from '@tensorflow/tfjs-core';
import type { ImageShape } from '../../types.js';
import type { Rng } from '../../util/rng.js';
import type { CutmixBox } from '../mixing/cutmix.js';
import type { MethodParams } from './params.js';

/**
 * Every random choice of one training step, made on the host from the run's Rng so that runs are
 * seeded and identical on every backend.
 */
export interface MixDraw {
  /** Partner of each sample: x̃_i mixes x_i with x_perm[i]. [batch] */
  perm: Int32Array;
  /**
   * Input-side weight of the sample itself (the partner gets 1 - lam): one number per batch or one
   * per sample [batch]. For CutMix this is the area-corrected lambda of the box.
   */
  lam: number | Float32Array;
  /** CutMix's pasted region (only for the CutMix family). */
  box?: CutmixBox;
}

/** What an objective compares the logits with: a mixer's targets. */
export interface LossTargets {
  /** The samples' own labels, int32 [b]. */
  yA: tf.Tensor1D;
  /** Partner labels y[perm], int32 [b]; absent when nothing was mixed (hard targets yA). */
  yB?: tf.Tensor1D;
  /**
   * Label-side weight of yA (yB gets 1 − labelLam): a number or [b]. The input-side lambda is the
   * draw's; the two differ only under Remix, which rebalances this one by class counts.
   */
  labelLam: number | tf.Tensor1D;
}

/** A mixer's output: the mixed inputs and their targets. */
export interface MixedBatch extends LossTargets {
  /** Mixed inputs x̃ [b, h, w, c]. */
  x: tf.Tensor4D;
}

/** The logits one step's loss reads: of the mixed batch, and of the clean batch (cleanCE presets). */
export interface StepLogits {
  /** [b, classes] of the mixed inputs. */
  mixed: tf.Tensor2D;
  /** [b, classes] of the clean inputs; present exactly when the preset adds a clean-CE term. */
  clean?: tf.Tensor2D;
}

/** What a mixer may know about the training set besides the parameters. */
export interface TrainingData {
  numClasses: number;
  /** Training images per class (Remix's ratios). */
  classCounts: number[];
}

/** What a mixer factory is given; each factory's own parameter type names the fields it reads. */
export type MixerInputs = MethodParams & TrainingData;

/** Mixes a batch: `draw` on the host (outside the gradient tape), then `mix` as tensor ops. */
export interface Mixer {
  /** The step's random choices; `shape` is one image's [h, w, c]. Uses only `rng`. */
  draw(batchSize: number, shape: ImageShape, rng: Rng): MixDraw;
  /** x [b, h, w, c], y int32 [b] -> the mixed batch. Intermediates are the caller's to tidy. */
  mix(x: tf.Tensor4D, y: tf.Tensor1D, draw: MixDraw): MixedBatch;
}

/** A loss on the logits of a mixer's output. */
export interface Objective {
  /** logits [b, classes] of the mixed inputs -> scalar loss, mean over the batch. */
  loss(logits: tf.Tensor2D, batch: LossTargets): tf.Scalar;
}

/** An objective's registry entry. */
export interface ObjectiveKind<O> {
  /** Builds [b, b] pair matrices: memory grows with the batch squared. */
  pairwise: boolean;
  create(options: O): Objective;
}
