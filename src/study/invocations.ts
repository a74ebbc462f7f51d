import { formatDuration } from '../util/progress.js';

/** One `icmix study` run on a results folder, as invocations.jsonl records it. */
export interface Invocation {
  startedAt: string;
  wallSeconds: number;
  command: string;
  jobs: number;
  ran: number;
  failed: number;
  interrupted: boolean;
}

/**
 * Seconds during which at least one invocation ran: the union of their [start, start + wall]
 * intervals. Invocations overlap (`--jobs` runners sharing a folder, Slurm array tasks, `--cell`
 * runs side by side), so their sum would overstate the study's wall time.
 */
export function invocationSpan(invocations: readonly Invocation[]): number {
  const spans = invocations
    .map((i) => {
      const start = Date.parse(i.startedAt) / 1000;
      return [start, start + i.wallSeconds] as const;
    })
    .filter(([s, e]) => Number.isFinite(s) && Number.isFinite(e))
    .sort((a, b) => a[0] - b[0]);
  // An invocation with an unreadable start cannot be placed: counted whole, as its own interval.
  const unplaced = invocations.filter((i) => !Number.isFinite(Date.parse(i.startedAt)) && Number.isFinite(i.wallSeconds)).reduce((n, i) => n + i.wallSeconds, 0);
  let total = 0;
  let open: [number, number] | undefined;
  for (const [s, e] of spans) {
    if (open && s <= open[1]) open[1] = Math.max(open[1], e);
    else {
      if (open) total += open[1] - open[0];
      open = [s, e];
    }
  }
  return (open ? total + open[1] - open[0] : 0) + unplaced;
}

/** The invocations for a report's provenance: each one while they are few, else a summary. */
export function describeInvocations(invocations: readonly Invocation[], listUpTo = 6): string {
  const one = (i: Invocation) => `${i.startedAt} (${formatDuration(i.wallSeconds)}, ${i.ran} cells run${i.interrupted ? ', interrupted' : ''})`;
  if (invocations.length <= listUpTo) return invocations.map(one).join('; ');
  // By time (unreadable starts last), not by string: starts may carry other offsets.
  const at = (i: Invocation) => (Number.isFinite(Date.parse(i.startedAt)) ? Date.parse(i.startedAt) : Infinity);
  const sorted = [...invocations].sort((a, b) => at(a) - at(b));
  const ran = sorted.reduce((n, i) => n + i.ran, 0);
  const interrupted = sorted.filter((i) => i.interrupted).length;
  return `${sorted.length} invocations from ${sorted[0].startedAt} to ${sorted[sorted.length - 1].startedAt}, ${ran} cells run${interrupted ? `, ${interrupted} interrupted` : ''}`;
}
