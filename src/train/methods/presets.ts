/**
 * The training methods, as mixer x objective presets: one typed table.
 * Adding a method: one line in METHODS (and its row in the equivalence or method tests).
 * Adding a mixer or an objective: one file in train/mixers/ or train/objectives/ (its maths, its
 * parameters, its factory) and one line in that folder's registry (index.ts).
 */
import { IcmixError } from '../../util/errors.js';
import type { MixerName } from '../mixers/index.js';
import { isPairwise, type ObjectiveSpec } from '../objectives/index.js';
import type { PresetParams } from './params.js';

export interface MethodPreset {
  /** One line for --help and the README. */
  readonly description: string;
  readonly mixer: MixerName;
  readonly objective: ObjectiveSpec;
  /**
   * Add cross-entropy on the clean batch, a second forward pass before the mixed one:
   * loss = CE(clean) + gamma·objective(mixed), as the ICM code runs RegMixup.
   */
  readonly cleanCE?: boolean;
  /** The authors' defaults; used when the config gives none. */
  readonly defaults: PresetParams;
  /**
   * Only meaningful on long-tailed data: the mixer rebalances by class counts, which are all
   * equal on balanced or per-class-capped data, where the method reduces to its non-Remix twin.
   */
  readonly longTailOnly?: boolean;
}

const SOFT_CE = { kind: 'softCE' } as const;
const ICM = { kind: 'icm', axes: 'both' } as const;

export const METHODS = {
  ce: { description: 'plain cross-entropy, no mixing', mixer: 'none', objective: SOFT_CE, defaults: {} },
  mixup: { description: 'Mixup: mixed inputs, cross-entropy against the mixed soft labels', mixer: 'mixup', objective: SOFT_CE, defaults: { alpha: 0.2 } },
  cutmix: { description: "CutMix: paste a box of the partner image, labels mixed by the box's area", mixer: 'cutmix', objective: SOFT_CE, defaults: { alpha: 1 } },
  regmixup: { description: 'RegMixup: cross-entropy on the clean batch + gamma x Mixup loss on a mixed copy (alpha 20)', mixer: 'mixup', objective: SOFT_CE, cleanCE: true, defaults: { alpha: 20, gamma: 1 } },
  remix: { description: 'Remix: Mixup whose label weights favour the rarer class (kappa, tau) for long-tailed data', mixer: 'remix', objective: SOFT_CE, defaults: { alpha: 0.2 }, longTailOnly: true },
  icm: { description: 'Infinite Class Mixup: contrast each mixed sample with the batch of mixed classifiers, both axes', mixer: 'mixup', objective: ICM, defaults: { alpha: 0.2 } },
  'icm-pair': { description: "ICM, pair axis only: each mixed classifier picks its mixed sample (authors' -c)", mixer: 'mixup', objective: { kind: 'icm', axes: 'pair' }, defaults: { alpha: 0.2 } },
  'icm-class': { description: "ICM, class axis only: each mixed sample picks its mixed classifier (authors' -s)", mixer: 'mixup', objective: { kind: 'icm', axes: 'class' }, defaults: { alpha: 0.2 } },
  'icm-shared': { description: 'ICM with shared positives: pairs with identical mixed classifiers are all targets, not negatives', mixer: 'mixup', objective: { kind: 'icm', axes: 'both', sharedPositives: true }, defaults: { alpha: 0.2 } },
  'reg-icm': { description: 'RegMixup with ICM: cross-entropy on the clean batch + gamma x ICM loss on a mixed copy (alpha 20)', mixer: 'mixup', objective: ICM, cleanCE: true, defaults: { alpha: 20, gamma: 1 } },
  'remix-icm': { description: "ICM whose mixed classifiers take Remix's rebalanced label weights, for long-tailed data", mixer: 'remix', objective: ICM, defaults: { alpha: 0.2 }, longTailOnly: true },
  'cutmix-icm': { description: "ICM on CutMix inputs: mixed classifiers weighted by the pasted box's area", mixer: 'cutmix', objective: ICM, defaults: { alpha: 1 } },
} as const satisfies Record<string, MethodPreset>;

export type MethodName = keyof typeof METHODS;

/** Names of all training methods, in a stable order (the CLI's --method choices). */
export const METHOD_NAMES = Object.keys(METHODS) as MethodName[];

/** A preset with its name, and whether its objective builds [b, b] pair matrices. */
export interface NamedPreset extends MethodPreset {
  readonly name: MethodName;
  /** Memory grows with the batch squared (the ICM family). */
  readonly pairwise: boolean;
}

export function listMethods(): string[] {
  return [...METHOD_NAMES];
}

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(METHODS, name);
}

export function getMethod(name: string): NamedPreset {
  if (!isMethodName(name)) throw new IcmixError(`unknown method '${name}'; choose one of: ${METHOD_NAMES.join(', ')}`);
  const preset: MethodPreset = METHODS[name];
  return { ...preset, name, pairwise: isPairwise(preset.objective) };
}
