/**
 * The hyperparameters of the training methods. Each is declared once, by what reads it: the mixers
 * (mixers/<name>.ts), the objectives (objectives/<name>.ts) and, for gamma, the clean-CE term of
 * the presets here. TrainConfig carries them; the options table (train/options.ts) turns the specs
 * into CLI flags, rules and the study schema's entries.
 */
import type { OptionValues } from '../../util/options.js';
import { nonNegative } from '../../util/ranges.js';
import { MIXER_PARAMS, type MixerParamSpecs } from '../mixers/index.js';
import { OBJECTIVE_PARAMS } from '../objectives/index.js';

/** The presets' own parameter: the weight of the mixed term beside clean CE (the RegMixup family). */
const PRESET_PARAMS = {
  gamma: { kind: 'number', rule: nonNegative, fallback: 1, help: 'weight of the mixed term in regmixup / reg-icm (default 1)' },
} as const;

export type MethodParamSpecs = MixerParamSpecs & typeof PRESET_PARAMS;

/** Every method parameter's spec, by name. */
export const METHOD_PARAMS: MethodParamSpecs = { ...MIXER_PARAMS, ...OBJECTIVE_PARAMS, ...PRESET_PARAMS };

/** The parameters in effect for a run. */
export type MethodParams = OptionValues<MethodParamSpecs>;

/** Names of the parameters without one default for every method: a preset gives theirs. */
type PresetKeys = { [K in keyof MethodParamSpecs]: MethodParamSpecs[K] extends { default: unknown } ? never : K }[keyof MethodParamSpecs];

/** The parameters a preset sets a default for; the others have one default for every method. */
export type PresetParams = Partial<Pick<MethodParams, PresetKeys>>;

/** What a run's config gives: the preset-level ones may be left undefined. */
export type MethodOptions = PresetParams & Omit<MethodParams, PresetKeys>;

const NAMES = Object.keys(METHOD_PARAMS) as (keyof MethodParams)[];

/** Defaults of the parameters no preset overrides. */
export const METHOD_PARAM_DEFAULTS = Object.fromEntries(
  NAMES.flatMap((k) => {
    const spec = METHOD_PARAMS[k] as { default?: unknown };
    return spec.default === undefined ? [] : [[k, spec.default]];
  }),
) as Omit<MethodParams, PresetKeys>;

/** The run's parameters: the config's, else the preset's default, else the spec's fallback. */
export function resolveParams(options: MethodOptions, defaults: PresetParams): MethodParams {
  const out: Record<string, unknown> = {};
  for (const k of NAMES) {
    const spec = METHOD_PARAMS[k] as { fallback?: unknown };
    out[k] = (options as Record<string, unknown>)[k] ?? (defaults as Record<string, unknown>)[k] ?? spec.fallback;
  }
  return out as MethodParams;
}
