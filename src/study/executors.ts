/** Where a study's cells run (`icmix study --executor`). */
export const EXECUTORS = {
  local: 'cells as processes on this machine, --jobs at a time (default)',
  slurm: 'cells as a Slurm job array (one task per pending cell, each `icmix study --cell`), then a report job',
} as const;

export type ExecutorName = keyof typeof EXECUTORS;
