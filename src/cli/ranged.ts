import type { Options } from 'yargs';
import { checkNumber, describeRule, type NumberRule } from '../util/ranges.js';

/**
 * Numeric flags checked against their library rules while yargs parses them (so a bad value stops
 * before any work starts), with the allowed range appended to the --help text.
 */
function withRule<T>(flag: string, rule: NumberRule, opts: Options, type: Options['type'], read: (v: unknown) => unknown) {
  return {
    ...opts,
    type,
    describe: `${opts.describe ? `${opts.describe} ` : ''}(${describeRule(rule)})`,
    coerce: (v: unknown) => checkNumber(read(v), rule, `--${flag}`) as T,
  };
}

/** One number: `.option(...ranged('alpha', TRAIN_RULES.alpha, { describe }))`. */
export function ranged<F extends string, O extends Options>(flag: F, rule: NumberRule, opts: O) {
  return [flag, withRule<number>(flag, rule, opts, 'number', (v) => v) as Omit<O, 'type'> & { type: 'number'; coerce: (v: unknown) => number }] as const;
}

/** A list of numbers, comma-separated (`--severities 1,5`) or, with type 'array', repeated values. */
export function rangedList<F extends string, O extends Options>(flag: F, rule: NumberRule, opts: O) {
  const o = withRule<number[]>(flag, { ...rule, list: true }, opts, opts.type === 'array' ? 'array' : 'string', listOf);
  return [flag, o as Omit<O, 'type'> & { type: 'array' | 'string'; coerce: (v: unknown) => number[] }] as const;
}

/** '1,5', ['0.5', 0.75] or 5 -> numbers; what is not one stays as typed, so the error shows it. */
function listOf(v: unknown): unknown[] {
  const items = Array.isArray(v) ? v : [v];
  return items
    .flatMap((x) => (typeof x === 'string' ? x.split(',').map((s) => s.trim()).filter(Boolean) : [x]))
    .map((x) => (typeof x === 'string' && x.trim() !== '' && Number.isFinite(Number(x)) ? Number(x) : x));
}
