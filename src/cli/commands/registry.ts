import type { CommandModule } from 'yargs';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCommand = CommandModule<any, any>;

/**
 * Every subcommand's module, imported when needed: `icmix serve` then loads the server and ONNX
 * Runtime, not the trainer and tfjs. In pipeline order, as `icmix --help` lists them. Adding a
 * command is one file and one line here (and in index.ts's static list).
 */
export const COMMAND_LOADERS: readonly (readonly [string, () => Promise<AnyCommand>])[] = [
  ['train', async () => (await import('./train.js')).trainCommand],
  ['lr-find', async () => (await import('./lr-find.js')).lrFindCommand],
  ['export', async () => (await import('./export.js')).exportCommand],
  ['inspect', async () => (await import('./inspect.js')).inspectCommand],
  ['calibrate', async () => (await import('./calibrate.js')).calibrateCommand],
  ['eval', async () => (await import('./eval.js')).evalCommand],
  ['report', async () => (await import('./report.js')).reportCommand],
  ['serve', async () => (await import('./serve.js')).serveCommand],
  ['predict', async () => (await import('./predict.js')).predictCommand],
  ['doctor', async () => (await import('./doctor.js')).doctorCommand],
  ['study', async () => (await import('./study.js')).studyCommand],
  ['results', async () => (await import('./results.js')).resultsCommand],
];

/** The commands argv needs: the one it names, or all of them (for --help, --version and typos). */
export async function loadCommands(argv: readonly string[]): Promise<AnyCommand[]> {
  const named = COMMAND_LOADERS.find(([name]) => name === argv[0]);
  return named ? [await named[1]()] : Promise.all(COMMAND_LOADERS.map(([, load]) => load()));
}
