/**
 * The mixers: each turns a batch and the step's Rng into mixed inputs and targets. Each file holds
 * one mixer whole: its maths, the parameters it reads (declared there: default, range, help; the
 * CLI flags, rules and study schema follow from them) and its factory.
 * Adding one: its file here and one line in MIXERS.
 */
import type { OptionValues } from '../../util/options.js';
import { cutmix } from './cutmix.js';
import { mixup } from './mixup.js';
import { none } from './none.js';
import { remix } from './remix.js';
import type { Mixer, TrainingData } from './types.js';

export const MIXERS = { none, mixup, cutmix, remix } as const;

export type MixerName = keyof typeof MIXERS;

type Union<T> = T extends unknown ? (x: T) => void : never;
type Merged<T> = (Union<T> extends (x: infer I) => void ? I : never);

/** Every mixer's parameters, one spec per name (mixers that share one, such as alpha, share the spec). */
export type MixerParamSpecs = Merged<(typeof MIXERS)[MixerName]['params']>;
export const MIXER_PARAMS = Object.assign({}, ...Object.values(MIXERS).map((m) => m.params)) as MixerParamSpecs;
export type MixerParams = OptionValues<MixerParamSpecs>;

/** The mixer `name` on the run's parameters (a method's full set may be passed: each mixer reads its own). */
export function createMixer(name: MixerName, inputs: MixerParams & TrainingData & { readonly [other: string]: unknown }): Mixer {
  return (MIXERS[name].create as (o: MixerParams & TrainingData) => Mixer)(inputs);
}
