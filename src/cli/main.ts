#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { commands } from './commands/index.js';
import { IcmixError } from '../util/errors.js';
import { ICMIX_VERSION } from '../version.js';

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
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      console.error(`icmix: ${msg}\nRun with --help for usage.`);
      process.exit(2);
    });
  for (const c of commands) cli = cli.command(c);
  await cli.parseAsync();
}

const isEntry = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/.*[\\/]/, '/'));
if (isEntry || process.env.ICMIX_CLI === '1') {
  main(hideBin(process.argv)).catch((err: unknown) => {
    if (err instanceof IcmixError) {
      console.error(`icmix: ${err.message}`);
    } else {
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    }
    process.exit(1);
  });
}
