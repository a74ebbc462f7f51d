import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { IcmixError } from '../../util/errors.js';
import type { EvalReport } from './types.js';

/** The JSON schema of report.json (schemas/report.schema.json), validated with ajv. */

const SCHEMA_REL = path.join('schemas', 'report.schema.json');

/**
 * Where schemas/report.schema.json lives: walk up from this module, so it is found both from
 * src/infer/report/ (tsx) and dist/src/infer/report/ (the published package ships schemas/).
 */
export function reportSchemaPath(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, SCHEMA_REL);
    if (existsSync(candidate)) return candidate;
    const up = path.dirname(dir);
    if (up === dir) throw new IcmixError(`cannot find ${SCHEMA_REL} above ${fileURLToPath(import.meta.url)}; is the icmix install complete?`);
    dir = up;
  }
}

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(reportSchemaPath(), 'utf8'));
    compiled = new Ajv({ allErrors: true, strict: true }).compile(schema);
  }
  return compiled;
}

/** The schema's complaints about `value` ('/path message' lines), empty when it is valid. */
export function reportSchemaErrors(value: unknown): string[] {
  const validate = validator();
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` '${e.params.additionalProperty}'` : ''}`);
}

/** Throw an IcmixError listing what is wrong unless `value` is a valid EvalReport. */
export function validateReport(value: unknown, what = 'report'): asserts value is EvalReport {
  const errors = reportSchemaErrors(value);
  if (errors.length) {
    const shown = errors.slice(0, 10).join('; ');
    throw new IcmixError(`${what} does not match schemas/report.schema.json: ${shown}${errors.length > 10 ? `; and ${errors.length - 10} more` : ''}`);
  }
}
