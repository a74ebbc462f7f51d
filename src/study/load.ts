import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { IcmixError } from '../util/errors.js';
import { expandStudy } from './cells.js';
import { validateStudySpec } from './schema.js';
import type { Study } from './types.js';

/** Parse study text: JSON for .json files, YAML otherwise (YAML is a superset of JSON anyway). */
export function parseStudyText(text: string, file = 'study'): unknown {
  try {
    return path.extname(file).toLowerCase() === '.json' ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new IcmixError(`${file}: not valid ${path.extname(file).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Validate a parsed study object and expand it into cells. */
export function studyFromObject(value: unknown, file?: string): Study {
  if (value === null || value === undefined) {
    throw new IcmixError(`${file ?? 'the study'} is empty; a study names at least name, datasets, protocols, methods, seeds, model and epochs (see studies/quick.yaml)`);
  }
  validateStudySpec(value, file ?? 'study');
  return expandStudy(value, file);
}

/** Read, validate and expand a study file (.yaml, .yml or .json). */
export async function loadStudy(file: string): Promise<Study> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new IcmixError(`cannot read study file ${file}; pass a path such as studies/quick.yaml`);
  }
  return studyFromObject(parseStudyText(text, file), file);
}
