/**
 * The convergence check of the study conventions: validation accuracy should move by less than
 * a few tenths of a point over the last quarter of training. Pure: epoch logs in, a verdict out.
 */

/** Flagged when validation accuracy moved by more than this over the last quarter (0.3 points). */
export const CONVERGENCE_TOLERANCE = 0.003;

export interface ConvergenceCheck {
  /** Epochs in the last quarter (ceil(E / 4)). */
  window: number;
  /** Validation accuracy at the end minus at the start of the window (a fraction). */
  change: number;
  /** |change| <= CONVERGENCE_TOLERANCE. */
  converged: boolean;
}

/**
 * Over the last ceil(E/4) epochs of E: accuracy after epoch E minus after epoch E − ceil(E/4).
 * Undefined with one epoch (no window) or without validation accuracy.
 */
export function convergenceCheck(valAccuracy: readonly number[], tolerance = CONVERGENCE_TOLERANCE): ConvergenceCheck | undefined {
  const e = valAccuracy.length;
  const window = Math.ceil(e / 4);
  if (e < 2 || e - window < 1) return undefined;
  const change = valAccuracy[e - 1] - valAccuracy[e - 1 - window];
  if (!Number.isFinite(change)) return undefined;
  return { window, change, converged: Math.abs(change) <= tolerance };
}
