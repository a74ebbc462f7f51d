import type { CommandModule } from 'yargs';
import { trainCommand } from './train.js';
import { serveCommand } from './serve.js';
import { reportCommand } from './report.js';
import { evalCommand } from './eval.js';
import { calibrateCommand } from './calibrate.js';
import { studyCommand } from './study.js';
import { exportCommand } from './export.js';
import { inspectCommand } from './inspect.js';
import { predictCommand } from './predict.js';
import { doctorCommand } from './doctor.js';
import { resultsCommand } from './results.js';

/**
 * Every subcommand, one module each under src/cli/commands/. Adding a command is one file, its
 * import and one line in this list.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [
  // In pipeline order, as `icmix --help` lists them.
  trainCommand,
  exportCommand,
  inspectCommand,
  calibrateCommand,
  evalCommand,
  reportCommand,
  serveCommand,
  predictCommand,
  doctorCommand,
  studyCommand,
  resultsCommand,
];
