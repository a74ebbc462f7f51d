import type { NumberRule } from './ranges.js';

/**
 * One option declared once: its kind, allowed values, default and help. Tables of these generate
 * the CLI flags, the rule tables the library checks and (tested against them) the study schema.
 */
export type OptionSpec = NumberOption | ChoiceOption | BooleanOption;

export interface NumberOption {
  readonly kind: 'number';
  readonly rule: NumberRule;
  /** Absent: no default everywhere (a preset's default, or the option is optional). */
  readonly default?: number | readonly number[];
  /** Without a default: the value used when neither the config nor a preset gives one. */
  readonly fallback?: number;
  readonly help: string;
}

export interface ChoiceOption<C extends string = string> {
  readonly kind: 'choice';
  readonly choices: readonly C[];
  readonly default?: C;
  readonly help: string;
}

export interface BooleanOption {
  readonly kind: 'boolean';
  readonly default?: boolean;
  readonly help: string;
}

/** The value type an option spec declares. */
export type OptionValue<S> = S extends ChoiceOption<infer C>
  ? C
  : S extends BooleanOption
    ? boolean
    : S extends { rule: { list: true } }
      ? number[]
      : number;

/** The values of a table of option specs. */
export type OptionValues<T> = { -readonly [K in keyof T]: OptionValue<T[K]> };
