/** One JSON value per line; a line torn by a writer that died mid-append is skipped, not fatal. */
export function parseJsonLines<T>(text: string): T[] {
  const values: T[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      values.push(JSON.parse(line) as T);
    } catch {
      // torn line
    }
  }
  return values;
}
