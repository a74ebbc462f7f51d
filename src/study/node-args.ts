/**
 * The node flags a child icmix process needs: this process's loader flags (tsx under the tests)
 * and memory limit, not e.g. --test; plus tsx when the entry is a .ts file.
 */
export function childExecArgv(entryExt: string): string[] {
  const keep: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if ((a === '--import' || a === '--loader' || a === '--require' || a === '-r') && i + 1 < argv.length) keep.push(a, argv[++i]);
    else if (/^--(import|loader|require|max-old-space-size)=/.test(a)) keep.push(a);
  }
  if (entryExt === '.ts' && !keep.some((a) => a.includes('tsx'))) keep.push('--import', 'tsx');
  return keep;
}
