import type * as tf from '@tensorflow/tfjs-core';
import type { ImageShape } from '../../types.js';
import type { OptionSpec } from '../../util/options.js';
import type { Rng } from '../../util/rng.js';
import type { CutmixBox } from './cutmix.js';

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

/** What a mixer may know about the training set besides the parameters. */
export interface TrainingData {
  numClasses: number;
  /** Training images per class (Remix's ratios). */
  classCounts: number[];
}

/** Mixes a batch: `draw` on the host (outside the gradient tape), then `mix` as tensor ops. */
export interface Mixer {
  /** The step's random choices; `shape` is one image's [h, w, c]. Uses only `rng`. */
  draw(batchSize: number, shape: ImageShape, rng: Rng): MixDraw;
  /** x [b, h, w, c], y int32 [b] -> the mixed batch. Intermediates are the caller's to tidy. */
  mix(x: tf.Tensor4D, y: tf.Tensor1D, draw: MixDraw): MixedBatch;
}

/** A mixer's registry entry: the parameters it reads, declared where it is, and its factory. */
export interface MixerKind<P extends Record<string, OptionSpec>, O> {
  readonly params: P;
  create(options: O): Mixer;
}
