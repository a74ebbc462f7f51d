import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

/** The package root (holds package.json, schemas/, web/); works from src/ (tsx) and dist/src/. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      if (pkg.name === 'icmix') return dir;
    } catch {
      /* keep walking up */
    }
    dir = path.dirname(dir);
  }
  throw new Error('icmix package root not found');
}

export const ICMIX_VERSION: string = JSON.parse(
  readFileSync(path.join(packageRoot(), 'package.json'), 'utf8'),
).version;
