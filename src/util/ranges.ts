import { IcmixError } from './errors.js';

/**
 * The allowed values of one numeric option, declared once and used by both the library (which
 * checks its options objects) and the CLI (which checks flags and shows the range in --help).
 */
export interface NumberRule {
  readonly type: 'int' | 'number';
  readonly min?: number;
  readonly max?: number;
  /** The bound itself is not allowed (alpha > 0 rather than >= 0). */
  readonly exclusiveMin?: boolean;
  readonly exclusiveMax?: boolean;
  /** Only these values (an opset list, say); checked besides the bounds. */
  readonly values?: readonly number[];
  /** The option is a list of such numbers (empty allowed: no lr milestones = constant lr). */
  readonly list?: boolean;
}

/** Keys of T whose values are numbers or number lists: every one needs a rule. */
export type NumericKeys<T> = {
  [K in keyof T]-?: NonNullable<T[K]> extends number | readonly number[] ? K : never;
}[keyof T];

/** One rule per numeric field of an options type; a missing rule is a compile error. */
export type RuleTable<T> = { readonly [K in NumericKeys<T>]: NumberRule };

export const int = (min?: number, max?: number): NumberRule => ({ type: 'int', min, max });
export const positiveInt: NumberRule = { type: 'int', min: 1 };
export const nonNegativeInt: NumberRule = { type: 'int', min: 0 };
export const positive: NumberRule = { type: 'number', min: 0, exclusiveMin: true };
export const nonNegative: NumberRule = { type: 'number', min: 0 };

/** 'integer >= 1', 'number in (0, 1]', 'list of numbers in (0, 1)': for messages and --help. */
export function describeRule(rule: NumberRule): string {
  const kind = rule.type === 'int' ? 'integer' : 'number';
  let text: string;
  if (rule.values) text = `${kind}: one of ${rule.values.join(', ')}`;
  else if (rule.min !== undefined && rule.max !== undefined) {
    text =
      rule.type === 'int' && !rule.exclusiveMin && !rule.exclusiveMax
        ? `${kind} in ${rule.min}..${rule.max}`
        : `${kind} in ${rule.exclusiveMin ? '(' : '['}${rule.min}, ${rule.max}${rule.exclusiveMax ? ')' : ']'}`;
  } else if (rule.min !== undefined) text = `${kind} ${rule.exclusiveMin ? '>' : '>='} ${rule.min}`;
  else if (rule.max !== undefined) text = `${kind} ${rule.exclusiveMax ? '<' : '<='} ${rule.max}`;
  else text = `finite ${kind}`;
  return rule.list ? `list of ${text.replace(/^(integer|number)/, '$1s')}` : text;
}

/** Whether one number satisfies the rule (ignoring `list`). */
export function satisfies(v: unknown, rule: NumberRule): v is number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return false;
  if (rule.type === 'int' && !Number.isInteger(v)) return false;
  if (rule.min !== undefined && (rule.exclusiveMin ? !(v > rule.min) : !(v >= rule.min))) return false;
  if (rule.max !== undefined && (rule.exclusiveMax ? !(v < rule.max) : !(v <= rule.max))) return false;
  if (rule.values && !rule.values.includes(v)) return false;
  return true;
}

function shown(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(shown).join(', ')}]`;
  return String(v);
}

/**
 * `value` checked against `rule`; throws an IcmixError naming the option (`name`, e.g. '--alpha'
 * on the CLI or 'train: alpha' in the library), the allowed range and what it got.
 */
export function checkNumber(value: unknown, rule: NumberRule, name: string): number | number[] {
  const ok = rule.list
    ? Array.isArray(value) && value.every((v) => satisfies(v, rule))
    : satisfies(value, rule);
  if (!ok) {
    const range = describeRule(rule);
    throw new IcmixError(`${name} must be ${/^[aeiou]/.test(range) ? 'an' : 'a'} ${range}, got ${shown(value)}`);
  }
  return value as number | number[];
}

/** Check every field of `options` that has a rule and a value; `where` prefixes the field name. */
export function checkOptions<T extends object>(options: T, rules: RuleTable<T>, where: string): void {
  for (const [key, rule] of Object.entries(rules) as [string, NumberRule][]) {
    const v = (options as Record<string, unknown>)[key];
    if (v !== undefined) checkNumber(v, rule, `${where}: ${key}`);
  }
}
