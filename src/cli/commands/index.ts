import type { CommandModule } from 'yargs';
import { trainCommand } from './train.js';
import { lrFindCommand } from './lr-find.js';
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
 * Every subcommand, one module each under src/cli/commands/, loaded at once (for tests and
 * tools that inspect every command); the CLI itself loads them one by one (registry.ts), and a
 * test holds the two lists equal.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [
  // In pipeline order, as `icmix --help` lists them.
  trainCommand,
  lrFindCommand,
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
