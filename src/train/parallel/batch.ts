import * as tf from '@tensorflow/tfjs-core';
import type { ImageShape } from '../../types.js';
import type { LossTargets, MixDraw, TrainingMethod } from '../methods/index.js';

/** A mixer's targets on the host: what every worker needs to evaluate the whole batch's loss. */
export interface HostTargets {
  /** The batch's labels (the samples' own), [b]. */
  y: Int32Array;
  /** Partner labels [b]; absent when the batch was not mixed. */
  yB?: Int32Array;
  /** Label-side weight of y: one number or [b]. */
  labelLam: number | Float32Array;
}

/** One step's inputs, mixed on the main thread: what the workers slice. */
export interface HostBatch {
  /** The clean normalised batch [b*h*w*c], for presets with a clean-CE term. */
  clean?: Float32Array;
  /** The mixed normalised batch [b*h*w*c] (the clean one when the mixer does not mix). */
  mixed: Float32Array;
  targets: HostTargets;
}

/**
 * Mix a normalised batch with the step's draw, once for all workers, with the same tensor ops
 * the in-process step runs inside its tape (so the inputs are the same floats).
 * images [b*h*w*c], labels [b].
 */
export function mixOnHost(method: TrainingMethod, images: Float32Array, labels: Int32Array, shape: ImageShape, draw: MixDraw): HostBatch {
  const b = labels.length;
  let out: HostBatch | undefined;
  // Results leave the tidy through `out`: tidy walks what it returns key by key, which for a
  // typed array of a whole batch costs more than the mixing itself.
  tf.tidy(() => {
    const x = tf.tensor4d(images, [b, ...shape]);
    const batch = method.mix(x, tf.tensor1d(labels, 'int32'), draw);
    const read = (t: tf.Tensor) => t.dataSync() as Float32Array;
    out = {
      clean: method.preset.cleanCE ? images : undefined,
      mixed: batch.x === x ? images : read(batch.x),
      targets: {
        y: labels,
        yB: batch.yB ? (batch.yB.dataSync() as Int32Array) : undefined,
        labelLam: typeof batch.labelLam === 'number' ? batch.labelLam : read(batch.labelLam),
      },
    };
  });
  return out!;
}

/** The targets as the tensors an objective reads. Intermediates are the caller's to tidy. */
export function targetTensors(t: HostTargets): LossTargets {
  return {
    yA: tf.tensor1d(t.y, 'int32'),
    yB: t.yB ? tf.tensor1d(t.yB, 'int32') : undefined,
    labelLam: typeof t.labelLam === 'number' ? t.labelLam : tf.tensor1d(t.labelLam),
  };
}

export interface LogitGrads {
  /** The whole batch's loss. */
  loss: number;
  /** dLoss/dZ of the mixed pass, [b*classes]. */
  dMixed: Float32Array;
  /** dLoss/dZ of the clean pass, [b*classes] (cleanCE presets). */
  dClean?: Float32Array;
}

/**
 * The whole batch's loss and its gradient with respect to every row of the logits, from the
 * logits of all workers ([b*classes] each): the loss as the in-process step computes it.
 */
export function lossAndLogitGrads(method: TrainingMethod, targets: HostTargets, classes: number, mixed: Float32Array, clean?: Float32Array): LogitGrads {
  const b = targets.y.length;
  let out: LogitGrads | undefined;
  // Out through `out`, not tidy's return value (see mixOnHost).
  tf.tidy(() => {
    const t = targetTensors(targets);
    const zs = [tf.tensor2d(mixed, [b, classes]), ...(clean ? [tf.tensor2d(clean, [b, classes])] : [])];
    const f = (...z: tf.Tensor[]) => method.lossOnLogits({ mixed: z[0] as tf.Tensor2D, clean: z[1] as tf.Tensor2D | undefined }, t.yA, t);
    const { value, grads } = tf.valueAndGrads(f)(zs);
    out = {
      loss: value.dataSync()[0],
      dMixed: grads[0].dataSync() as Float32Array,
      dClean: clean ? (grads[1].dataSync() as Float32Array) : undefined,
    };
  });
  return out!;
}

/**
 * Set each variable to its run of `flat` (vars in order, each x.size floats). In a tidy: assign
 * shares the new tensor's data with the variable, and an undisposed source would keep every
 * step's copy alive.
 */
export function assignFlat(vars: readonly tf.Variable[], flat: Float32Array): void {
  tf.tidy(() => {
    let o = 0;
    for (const x of vars) {
      x.assign(tf.tensor(flat.slice(o, o + x.size), x.shape));
      o += x.size;
    }
  });
}
