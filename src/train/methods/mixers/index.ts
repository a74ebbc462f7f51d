/**
 * The mixers: each turns a batch and the step's Rng into mixed inputs and targets.
 * Adding one: a file here exporting `(options) => Mixer` (its options type names the
 * MethodParams / TrainingData fields it reads) and one line in MIXERS.
 */
import type { Mixer, MixerInputs } from '../types.js';
import { noMixer } from './none.js';
import { mixupMixer } from './mixup.js';
import { cutmixMixer } from './cutmix.js';
import { remixMixer } from './remix.js';

export const MIXERS = {
  none: noMixer,
  mixup: mixupMixer,
  cutmix: cutmixMixer,
  remix: remixMixer,
} as const satisfies Record<string, (inputs: MixerInputs) => Mixer>;

export type MixerName = keyof typeof MIXERS;

export function createMixer(name: MixerName, inputs: MixerInputs): Mixer {
  return MIXERS[name](inputs);
}

export { noMixer, mixupMixer, cutmixMixer, remixMixer };
export { drawMixup, mixupBatch, type MixupOptions } from './mixup.js';
export type { CutmixOptions } from './cutmix.js';
export type { RemixOptions } from './remix.js';
