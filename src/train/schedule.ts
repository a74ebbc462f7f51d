/** Learning-rate schedules: pure functions of the epoch (resume-safe), no tfjs. */

/** Step decay: lr * gamma^(number of milestones passed), milestones as fractions of training. */
export function stepLr(baseLr: number, epoch: number, epochs: number, milestones: number[], gamma: number): number {
  // A milestone never falls on the first epoch, so short runs start at the base rate.
  const passed = milestones.filter((m) => epoch >= Math.max(1, Math.round(m * epochs))).length;
  return baseLr * Math.pow(gamma, passed);
}

/** How the learning rate moves over training (`--lr-schedule`). */
export const LR_SCHEDULES = {
  step: 'multiply by --lr-gamma at each of --lr-milestones (fractions of training)',
  cosine: 'cosine decay from --lr towards 0 over the epochs after the warm-up',
} as const;
export type LrSchedule = keyof typeof LR_SCHEDULES;

export interface ScheduleOptions {
  lr: number;
  epochs: number;
  lrSchedule?: LrSchedule;
  /** Linear warm-up epochs (0 or absent: none). */
  warmupEpochs?: number;
  lrMilestones: number[];
  lrGamma: number;
}

/**
 * The learning rate of epoch `epoch` (0-based). It depends on the epoch alone, so a resumed run
 * gets the rates an uninterrupted one would have had. Warm-up: epoch e < W trains at
 * lr * (e + 1) / (W + 1), rising in equal steps to lr at the first epoch after it (so even one
 * warm-up epoch halves the first epoch's rate). After it, 'step' applies the
 * milestones (fractions of all epochs, as without warm-up) and 'cosine' trains epoch e at
 * lr * (1 + cos(pi * (e - W) / (epochs - W))) / 2: lr on the first epoch after warm-up, never 0.
 */
export function scheduledLr(o: ScheduleOptions, epoch: number): number {
  const w = o.warmupEpochs ?? 0;
  if (epoch < w) return (o.lr * (epoch + 1)) / (w + 1);
  if ((o.lrSchedule ?? 'step') === 'cosine') return (o.lr * (1 + Math.cos((Math.PI * (epoch - w)) / (o.epochs - w)))) / 2;
  return stepLr(o.lr, epoch, o.epochs, o.lrMilestones, o.lrGamma);
}
