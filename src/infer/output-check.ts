/**
 * What a model outputs, checked on its first outputs where its graph does not settle it. A
 * probability head that no single node names (softmax written out as Exp, ReduceSum, Div; a
 * Softmax behind ops icmix does not look through) would otherwise be read as logits: softmax
 * applied a second time flattens every row towards uniform, and accuracy stays right while the
 * confidences, ECE and NLL are all wrong, with nothing to show it.
 */
import { META } from '../types.js';
import { IcmixError } from '../util/errors.js';
import type { ModelInfo } from './model-info.js';

/** How far a row of float32 probabilities may sum from 1 (a Clip at 1e-7 over 1000 classes adds 1e-4). */
const ROW_SUM_TOLERANCE = 1e-3;

/** Whether every row of `out` ([rows, classes]) is non-negative and sums to 1. */
export function rowsAreProbabilities(out: ArrayLike<number>, rows: number, classes: number): boolean {
  if (rows === 0 || classes < 2) return false;
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let k = 0; k < classes; k++) {
      const v = out[r * classes + k];
      if (!(v >= 0)) return false;
      sum += v;
    }
    if (Math.abs(sum - 1) > ROW_SUM_TOLERANCE) return false;
  }
  return true;
}

/**
 * Throws when the first outputs contradict what the model is read as: probability rows from a
 * model read as logits by default (nothing declared, no --output), or rows that are not
 * probabilities from a model declared to output them without a Softmax the graph shows.
 */
export function checkFirstOutputs(info: Pick<ModelInfo, 'path' | 'output' | 'metadata'>, out: ArrayLike<number>, rows: number, classes: number, graphSaysSoftmax: boolean): void {
  const declared = info.metadata[META.output];
  if (info.output === 'logits' && declared === undefined && rowsAreProbabilities(out, rows, classes)) {
    throw new IcmixError(
      `${info.path}: its outputs on the first ${rows} image(s) are non-negative and every row sums to 1, so they look like probabilities, but nothing says so ` +
        `(no ${META.output} metadata, and the graph's last node is not a Softmax icmix can see); read as logits, softmax would be applied twice and every confidence, ECE and NLL would be wrong. ` +
        `Pass --output probabilities if the model outputs probabilities, or --output logits if it really outputs logits`,
    );
  }
  if (info.output === 'probabilities' && !graphSaysSoftmax && !rowsAreProbabilities(out, rows, classes)) {
    throw new IcmixError(
      `${info.path}: it is read as outputting probabilities (${declared === undefined ? 'default' : `${META.output} = ${declared}`}), but its outputs on the first ${rows} image(s) are not non-negative rows summing to 1; ` +
        `leave --output out or pass --output logits (icmix then applies softmax itself)`,
    );
  }
}
