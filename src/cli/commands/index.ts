import type { CommandModule } from 'yargs';

/**
 * Every subcommand, one module each under src/cli/commands/. Adding a command is one file and
 * one line here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [];
