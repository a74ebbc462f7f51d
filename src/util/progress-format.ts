/** Pure helpers for progress lines: numbers people can read and time left. */

/**
 * A running figure (loss, img/s, lr) for a progress line: 3 significant digits, and
 * scientific notation below 0.01 so a learning rate of 0.0004 reads `4.00e-4`, not `0.000`.
 */
export function formatFigure(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 0.01) return v.toFixed(3);
  return v.toExponential(2);
}

/** `h:mm:ss` or `m:ss`; `--:--` when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/**
 * Seconds left when `done` units took `elapsedSeconds` and `left` remain, at the same pace.
 * NaN before the first unit (no pace yet). For a training run the units are steps of every
 * remaining epoch and `elapsedSeconds` includes the per-epoch validation, so the estimate
 * covers the whole run, not only the epoch.
 */
export function etaSeconds(elapsedSeconds: number, done: number, left: number): number {
  if (!(done > 0) || !(elapsedSeconds >= 0)) return NaN;
  return (elapsedSeconds / done) * Math.max(0, left);
}

/** Steps left in a run after `step` (0-based, just finished) of epoch `epoch` (0-based). */
export function trainingStepsLeft(epoch: number, step: number, epochs: number, stepsPerEpoch: number): number {
  return (epochs - epoch - 1) * stepsPerEpoch + (stepsPerEpoch - step - 1);
}
