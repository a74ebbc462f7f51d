/**
 * The objectives: each is a loss on the logits of a mixer's output.
 * Adding one: a file here exporting an ObjectiveKind<Options> and one line in OBJECTIVES; presets
 * then name it as { kind: '<name>', ...options }.
 */
import type { Objective, ObjectiveKind } from '../types.js';
import { softCe } from './soft-ce.js';
import { icm } from './icm.js';

export const OBJECTIVES = {
  softCE: softCe,
  icm,
} as const satisfies Record<string, ObjectiveKind<never>>;

export type ObjectiveName = keyof typeof OBJECTIVES;

type OptionsOf<K extends ObjectiveName> = (typeof OBJECTIVES)[K] extends ObjectiveKind<infer O> ? O : never;

/** An objective as a preset names it: its kind and that kind's options. */
export type ObjectiveSpec = { [K in ObjectiveName]: { kind: K } & OptionsOf<K> }[ObjectiveName];

export function createObjective(spec: ObjectiveSpec): Objective {
  const { kind, ...options } = spec;
  return (OBJECTIVES[kind] as ObjectiveKind<typeof options>).create(options);
}

export function isPairwise(spec: ObjectiveSpec): boolean {
  return OBJECTIVES[spec.kind].pairwise;
}
