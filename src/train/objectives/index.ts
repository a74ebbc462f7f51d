/**
 * The objectives: each is a loss on the logits of a mixer's output. Each file holds one objective
 * whole: its maths, its parameters and its registry entry.
 * Adding one: its file here exporting an ObjectiveKind and one line in OBJECTIVES; presets then
 * name it as { kind: '<name>', ...options }.
 */
import type { Objective, ObjectiveKind } from './types.js';
import { softCE } from './soft-ce.js';
import { icm } from './icm.js';

export const OBJECTIVES = { softCE, icm } as const;

export type ObjectiveName = keyof typeof OBJECTIVES;

type OptionsOf<K extends ObjectiveName> = (typeof OBJECTIVES)[K] extends { create(options: infer O): Objective } ? O : never;

/** An objective as a preset names it: its kind and that kind's options. */
export type ObjectiveSpec = { [K in ObjectiveName]: { kind: K } & OptionsOf<K> }[ObjectiveName];

export function createObjective(spec: ObjectiveSpec): Objective {
  const { kind, ...options } = spec;
  return (OBJECTIVES[kind] as ObjectiveKind<never, typeof options>).create(options);
}

export function isPairwise(spec: ObjectiveSpec): boolean {
  return OBJECTIVES[spec.kind].pairwise;
}

/** Every objective's run parameters (none yet: ICM's axes are fixed per preset). */
export const OBJECTIVE_PARAMS = Object.assign({}, ...Object.values(OBJECTIVES).map((o) => o.params)) as Record<never, never>;
