/**
 * Child-process entry that runs one study cell (`icmix study` forks one per running cell so cells
 * run in parallel, each single-threaded, and Ctrl-C stops them at once). Protocol over IPC:
 * parent sends { type: 'run', cell, runDir, threads }; the child sends { type: 'stage' } updates,
 * then { type: 'done' } or { type: 'failed', message }, and exits.
 */
import { IcmixError } from '../util/errors.js';
import { runCell } from './pipeline.js';
import type { Cell, Stage } from './types.js';

export type ToCellProcess = { type: 'run'; cell: Cell; runDir: string; threads?: number };
export type FromCellProcess =
  | { type: 'stage'; stage: Stage; detail: string; line?: boolean }
  | { type: 'done'; ran: Stage[]; seconds: number }
  | { type: 'failed'; message: string };

function send(msg: FromCellProcess): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(msg, undefined, {}, () => resolve());
  });
}

async function handle(msg: ToCellProcess): Promise<void> {
  // Tests make the cell's process die as a crash in native code would: ICMIX_TEST_CELL_SIGNAL=SIGSEGV.
  const crash = process.env.ICMIX_TEST_CELL_SIGNAL;
  if (crash) process.kill(process.pid, crash as NodeJS.Signals);
  try {
    const outcome = await runCell(msg.cell, msg.runDir, { threads: msg.threads, onStage: (stage, detail, line) => void send({ type: 'stage', stage, detail, line }) });
    await send({ type: 'done', ran: outcome.ran, seconds: outcome.seconds });
    process.exit(0);
  } catch (err) {
    const message = err instanceof IcmixError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    await send({ type: 'failed', message });
    process.exit(1);
  }
}

if (process.send) {
  // The parent went away (killed): stop too rather than train for nobody.
  process.on('disconnect', () => process.exit(1));
  process.once('message', (m) => void handle(m as ToCellProcess));
}
