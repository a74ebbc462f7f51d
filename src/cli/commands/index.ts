import type { CommandModule } from 'yargs';
import { trainCommand } from './train.js';

/**
 * Every subcommand, one module each under src/cli/commands/. Adding a command is one file, its
 * import and one line in this list.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [
  trainCommand,
];
