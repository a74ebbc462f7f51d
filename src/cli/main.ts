#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { loadCommands } from './commands/registry.js';
import { IcmixError } from '../util/errors.js';
import { ICMIX_VERSION } from '../version.js';

/** A command line yargs refused: printed with a pointer to --help, exit status 2. */
export class UsageError extends IcmixError {}

/** The icmix command line: each subcommand is a thin layer over a library function. */
export async function main(argv: string[]): Promise<void> {
  let cli = yargs(argv)
    .scriptName('icmix')
    .usage(
      'icmix: train image classifiers with Infinite Class Mixup on TensorFlow.js, export them to\n' +
        'ONNX, and evaluate and deploy them with ONNX Runtime.\n\nUsage: $0 <command> [options]',
    )
    .version(ICMIX_VERSION)
    .strict()
    .demandCommand(1, 'Name a command; `icmix <command> --help` explains each one.')
    .recommendCommands()
    // Wrap to the terminal; unwrapped when piped, so descriptions are not broken mid-word.
    .wrap(process.stdout.isTTY ? Math.min(120, process.stdout.columns) : null)
    // yargs' own complaints (unknown flag, a value outside its range) are usage errors, exit 2;
    // an error from a command's work passes through.
    .fail((msg, err) => {
      if (err && (err instanceof IcmixError || err.name !== 'YError')) throw err;
      throw new UsageError(msg ?? err?.message ?? 'invalid command line');
    });
  for (const c of await loadCommands(argv)) cli = cli.command(c);
  await cli.parseAsync();
}

/** True when this file is the program node started (directly, or through the npm bin link). */
function isEntry(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry() || process.env.ICMIX_CLI === '1') {
  main(hideBin(process.argv))
    // A finished command ends the process: runtimes' worker threads (onnxruntime-web's pool) could
    // otherwise hold Node open. Long-running commands (serve) resolve only
    // when they are done.
    .then(() => new Promise<void>((resolve) => process.stdout.write('', () => resolve())))
    .then(() => process.exit(process.exitCode ?? 0))
    .catch((err: unknown) => {
      if (err instanceof UsageError) {
        console.error(`icmix: ${err.message}\nRun with --help for usage.`);
        process.exit(2);
      } else if (err instanceof IcmixError) {
        console.error(`icmix: ${err.message}`);
      } else {
        console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      }
      process.exit(1);
    });
}
