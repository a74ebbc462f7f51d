/**
 * JSON with every object's keys sorted, for comparing settings: the same options are the same
 * whatever order they were assembled in (a refactor that reorders the defaults must not make
 * every recorded run or study cell read as changed). Array order still counts.
 */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );
}
