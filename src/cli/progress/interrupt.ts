import * as path from 'node:path';
import { readCheckpointState } from '../../run/checkpoint.js';
import { RUN_FILES } from '../../run/files.js';

/** A word a POSIX shell reads back unchanged: bare when safe, else single-quoted. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The `icmix train ...` command that continues the run `args` (the CLI words after `icmix`) started. */
export function resumeCommand(args: readonly string[]): string {
  // --overwrite would delete what was kept (and train refuses it next to --resume).
  const words = args.filter((w) => w !== '--no-resume' && w !== '--overwrite');
  if (!words.includes('--resume')) words.push('--resume');
  return ['icmix', ...words].map(shellQuote).join(' ');
}

/** The command that starts the run over: the folder is no longer empty, so with --overwrite. */
export function startAgainCommand(args: readonly string[]): string {
  const words = args.filter((w) => w !== '--resume');
  if (!words.includes('--overwrite')) words.push('--overwrite');
  return ['icmix', ...words].map(shellQuote).join(' ');
}

/**
 * What Ctrl-C kept and how to go on: the last checkpoint's epoch and the run folder, and the
 * exact command that resumes (or, before the first checkpoint, that starts again).
 */
export function interruptMessage(o: { runDir: string; checkpointEpoch?: number; epochs: number; args: readonly string[] }): string {
  if (!o.checkpointEpoch) {
    return (
      `icmix train: interrupted before the first epoch ended; no checkpoint was kept in ${o.runDir}.\n` +
      `Start again with: ${startAgainCommand(o.args)}\n`
    );
  }
  return (
    `icmix train: interrupted. Kept in ${o.runDir}: the checkpoint after epoch ${o.checkpointEpoch}/${o.epochs} and its ${RUN_FILES.log}.\n` +
    `Resume with: ${resumeCommand(o.args)}\n`
  );
}

/**
 * On SIGINT, say what was kept and how to resume, then exit 130 (the shell's code for Ctrl-C).
 * Returns the function that removes the handler.
 */
export function onTrainInterrupt(o: { runDir: string; epochs: number; args: readonly string[] }): () => void {
  const handler = () => {
    // An unreadable state file must not keep Ctrl-C from exiting: then say no epoch is known.
    void readCheckpointState(path.join(o.runDir, RUN_FILES.checkpoint)).catch(() => undefined).then((state) => {
      // A bar may be mid-line on a terminal.
      process.stderr.write((process.stderr.isTTY ? '\n' : '') + interruptMessage({ ...o, checkpointEpoch: state?.epoch }), () => process.exit(130));
    });
  };
  process.once('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}
