import * as tf from '@tensorflow/tfjs-core';
import type { ImageShape } from '../../types.js';
import { IcmixError } from '../../util/errors.js';
import type { Rng } from '../../util/rng.js';
import { createMixer } from '../mixers/index.js';
import type { LossTargets, MixDraw, MixedBatch, TrainingData } from '../mixers/types.js';
import { createObjective } from '../objectives/index.js';
import { ceLoss } from '../objectives/soft-ce.js';
import { resolveParams, type MethodOptions, type MethodParams } from './params.js';
import { getMethod, type MethodName, type NamedPreset } from './presets.js';

/** The logits one step's loss reads: of the mixed batch, and of the clean batch (cleanCE presets). */
export interface StepLogits {
  /** [b, classes] of the mixed inputs. */
  mixed: tf.Tensor2D;
  /** [b, classes] of the clean inputs; present exactly when the preset adds a clean-CE term. */
  clean?: tf.Tensor2D;
}

/** A preset bound to a run's parameters and training set: what one training step calls. */
export interface TrainingMethod {
  readonly name: MethodName;
  readonly preset: NamedPreset;
  /** The parameters in effect (the config's, else the preset's defaults). */
  readonly params: MethodParams;
  readonly pairwise: boolean;
  /** The step's random choices, on the host; `shape` is one image's [h, w, c]. */
  draw(batchSize: number, shape: ImageShape, rng: Rng): MixDraw;
  /**
   * The step's loss. `forward` runs the model in training mode ([b,h,w,c] -> logits [b, classes]);
   * `x` is the normalised, augmented batch [b,h,w,c]; `y` the labels, int32 [b].
   * Call it inside tf.variableGrads: intermediate tensors are the caller's to tidy.
   */
  loss(forward: (x: tf.Tensor4D) => tf.Tensor2D, x: tf.Tensor4D, y: tf.Tensor1D, draw: MixDraw): tf.Scalar;
  /** The mixer's inputs and targets for `draw`: x [b,h,w,c], y int32 [b]. No gradient flows into x. */
  mix(x: tf.Tensor4D, y: tf.Tensor1D, draw: MixDraw): MixedBatch;
  /**
   * The step's loss as a pure function of the logits (`loss` is forward passes, then this).
   * Data-parallel workers evaluate it on the whole batch's exchanged logits and take its gradient
   * for their own rows. `logits.clean` must be given exactly when the preset has a clean-CE term.
   */
  lossOnLogits(logits: StepLogits, y: tf.Tensor1D, targets: LossTargets): tf.Scalar;
}

/** The method `name` with `options` (alpha/gamma undefined = the preset's) on `data`. */
export function createMethod(name: string, options: MethodOptions, data: TrainingData): TrainingMethod {
  const preset = getMethod(name);
  const params = resolveParams(options, preset.defaults);
  const mixer = createMixer(preset.mixer, { ...params, ...data });
  const objective = createObjective(preset.objective);
  const lossOnLogits: TrainingMethod['lossOnLogits'] = (logits, y, targets) => {
    if (Boolean(preset.cleanCE) !== (logits.clean !== undefined)) {
      throw new IcmixError(`method ${preset.name} ${preset.cleanCE ? 'needs' : 'takes no'} logits of the clean batch`);
    }
    return combine(logits.clean ? ceLoss(logits.clean, y) : undefined, objective.loss(logits.mixed, targets));
  };
  const combine = (clean: tf.Scalar | undefined, mixed: tf.Scalar): tf.Scalar => (clean ? tf.add(clean, tf.mul(mixed, params.gamma)) : mixed);
  return {
    name: preset.name,
    preset,
    params,
    pairwise: preset.pairwise,
    draw: (batchSize, shape, rng) => mixer.draw(batchSize, shape, rng),
    loss: (forward, x, y, draw) => {
      // The clean pass runs first, as in the ICM code (batch-norm statistics see it first).
      // Same loss as lossOnLogits, in the same kernel order as before it existed (the equivalence test).
      const clean = preset.cleanCE ? ceLoss(forward(x), y) : undefined;
      const batch = mixer.mix(x, y, draw);
      return combine(clean, objective.loss(forward(batch.x), batch));
    },
    mix: (x, y, draw) => mixer.mix(x, y, draw),
    lossOnLogits,
  };
}
