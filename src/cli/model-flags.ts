import type { Argv } from 'yargs';
import { INPUT_LAYOUTS, INPUT_RANGES, MODEL_OVERRIDE_RULES, OUTPUT_KINDS, readClassNamesFile, type ModelOverrides } from '../infer/model-overrides.js';
import { rangedList } from './ranged.js';

/** The flags for models made elsewhere, as parsed. */
export interface ModelFlagArgs {
  'input-layout'?: ModelOverrides['inputLayout'];
  mean?: number[];
  std?: number[];
  'input-range'?: ModelOverrides['inputRange'];
  output?: ModelOverrides['output'];
  'class-names'?: string;
  normalize?: boolean;
}

const GROUP = 'Models made elsewhere (override the model\'s metadata):';

/** Add --input-layout, --mean, --std, --no-normalize, --input-range, --output, --class-names to a command. */
export function withModelFlags<T>(y: Argv<T>): Argv<T & ModelFlagArgs> {
  return y
    .option('input-layout', { choices: INPUT_LAYOUTS, describe: 'the graph input\'s layout (default: metadata, else read off the input dims, else NHWC)', group: GROUP })
    .option(...rangedList('mean', MODEL_OVERRIDE_RULES.mean, { describe: 'per-channel mean subtracted from the input, in --input-range units (one value = every channel), e.g. 0.485,0.456,0.406', group: GROUP }))
    .option(...rangedList('std', MODEL_OVERRIDE_RULES.std, { describe: 'per-channel std the input is divided by, same units, e.g. 0.229,0.224,0.225', group: GROUP }))
    .option('normalize', { type: 'boolean', describe: '--no-normalize: the model takes its pixels as they are (no --mean/--std); a model without normalisation metadata needs this or --mean/--std', group: GROUP })
    .option('input-range', { choices: INPUT_RANGES, describe: 'pixel range the model takes before --mean/--std (default 0-1)', group: GROUP })
    .option('output', { choices: OUTPUT_KINDS, describe: 'what the graph outputs (default: metadata, else logits)', group: GROUP })
    .option('class-names', { type: 'string', describe: 'file with the class names: one per line, or a JSON array', group: GROUP }) as unknown as Argv<T & ModelFlagArgs>;
}

/** The parsed flags as the library's ModelOverrides (reads the --class-names file). */
export async function modelOverrides(a: ModelFlagArgs): Promise<ModelOverrides> {
  return {
    ...(a['input-layout'] ? { inputLayout: a['input-layout'] } : {}),
    ...(a.mean?.length ? { mean: a.mean } : {}),
    ...(a.std?.length ? { std: a.std } : {}),
    ...(a['input-range'] ? { inputRange: a['input-range'] } : {}),
    ...(a.output ? { output: a.output } : {}),
    ...(a.normalize === false ? { normalize: false as const } : {}),
    ...(a['class-names'] ? { classNames: await readClassNamesFile(a['class-names']) } : {}),
  };
}
