/**
 * The flags of every training option, generated from the options table (train/options.ts), for
 * `icmix train` and the commands that train like it (`icmix lr-find`).
 */
import type { Argv, Options } from 'yargs';
import type { TrainConfig } from '../train/config.js';
import { flagOf, TRAIN_OPTIONS, type TrainOption, type TrainOptionName } from '../train/options.js';
import { describeRule } from '../util/ranges.js';
import { ranged, rangedList } from './ranged.js';

/** One row of the options table as a yargs option (numbers checked against their rule while parsing). */
function yargsOption(key: TrainOptionName): readonly [string, Options] {
  const o: TrainOption = TRAIN_OPTIONS[key];
  const flag = flagOf(key);
  const spec = o.spec;
  const def = o.cliDefault ?? spec.default;
  const base: Options = { group: o.group, ...(spec.help ? { describe: spec.help } : {}), ...(def !== undefined ? { default: def } : {}), ...(o.required ? { demandOption: true } : {}) };
  if (o.parse) {
    const rule = spec.kind === 'number' ? ` (${describeRule(spec.rule)})` : '';
    return [flag, { ...base, type: 'string', describe: `${spec.help}${rule}`, coerce: o.parse }];
  }
  switch (spec.kind) {
    case 'number':
      return spec.rule.list ? rangedList(flag, spec.rule, { ...base, type: 'array' }) : ranged(flag, spec.rule, base);
    case 'choice':
      return [flag, { ...base, choices: spec.choices }];
    case 'boolean':
      return [flag, { ...base, type: 'boolean' }];
    case 'string':
      return [flag, { ...base, type: 'string' }];
  }
}

const KEYS = Object.keys(TRAIN_OPTIONS) as TrainOptionName[];
const GROUP_ORDER = ['Data:', 'Model:', 'Method:', 'Optimisation:', 'Run:'];

/** Every option's flag on `y`, grouped as --help shows them (`skip`: options the command has no use for). */
export function trainFlags<T>(y: Argv<T>, skip: readonly TrainOptionName[] = []): Argv<T> {
  let a = y;
  for (const group of GROUP_ORDER) for (const k of KEYS.filter((k) => TRAIN_OPTIONS[k].group === group && !skip.includes(k))) a = a.option(...yargsOption(k)) as Argv<T>;
  return a;
}

/** The parsed flags as a TrainConfig: each field read under its own flag. */
export function trainConfigOf(a: Record<string, unknown>): TrainConfig {
  return Object.fromEntries(KEYS.map((k) => [k, a[flagOf(k)]])) as unknown as TrainConfig;
}
