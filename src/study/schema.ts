import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { packageRoot } from '../version.js';
import { IcmixError } from '../util/errors.js';
import type { StudySpec } from './types.js';

/** schemas/study.schema.json, found from src/ (tsx) and dist/src/ alike via the package root. */
export function studySchemaPath(): string {
  const p = path.join(packageRoot(), 'schemas', 'study.schema.json');
  if (!existsSync(p)) throw new IcmixError(`cannot find ${p}; is the icmix install complete?`);
  return p;
}

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(studySchemaPath(), 'utf8'));
    compiled = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false }).compile(schema);
  }
  return compiled;
}

/** '/protocols/1/kind' -> 'protocols[1].kind': how the field is written in YAML or JSON. */
function fieldName(pointer: string): string {
  if (!pointer) return '(top level)';
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), '');
}

function describe(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties') {
    const where = e.instancePath ? fieldName(e.instancePath) : 'the study';
    return `${where}: unknown field '${String(p.additionalProperty)}'`;
  }
  if (e.keyword === 'required') {
    const where = e.instancePath ? `${fieldName(e.instancePath)}.` : '';
    return `${where}${String(p.missingProperty)}: is required`;
  }
  if (e.keyword === 'not' && /^\/protocols\/\d+$/.test(e.instancePath)) {
    return `${fieldName(e.instancePath)}: a balanced protocol takes no imbalance or perClass; use kind long-tailed or data-constrained`;
  }
  if (e.keyword === 'enum') return `${fieldName(e.instancePath)}: must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  return `${fieldName(e.instancePath)}: ${e.message ?? 'is invalid'}`;
}

/**
 * The schema's complaints, one line each naming the field. oneOf branches produce an error from
 * every branch; keep the most specific ones (deepest path) so the user sees what to fix.
 */
export function studySchemaErrors(value: unknown): string[] {
  const validate = validator();
  if (validate(value)) return [];
  const protocols = (value as { protocols?: unknown[] } | null)?.protocols;
  const errors: ErrorObject[] = [];
  for (const e of validate.errors ?? []) {
    if (e.keyword === 'oneOf' || e.keyword === 'if' || e.keyword === 'allOf') continue;
    // A protocol is a shorthand string or an object: report only the branch the user wrote.
    const m = /^\/protocols\/(\d+)$/.exec(e.instancePath);
    if (m && Array.isArray(protocols)) {
      const v = protocols[Number(m[1])];
      if (e.keyword === 'type') {
        if (typeof v === 'string' || (typeof v === 'object' && v !== null)) continue;
        errors.push({ ...e, message: 'must be a protocol name (balanced, lt10, lt100, dc25, dc100) or an object with kind' });
        continue;
      }
      if (e.keyword === 'enum' && typeof v !== 'string') continue;
    }
    errors.push(e);
  }
  const lines = [...new Set(errors.map(describe))];
  return lines.length ? lines : [`${fieldName(validate.errors?.[0]?.instancePath ?? '')}: is invalid`];
}

/** Throw an IcmixError naming every bad field unless `value` is a valid study. */
export function validateStudySpec(value: unknown, what = 'study'): asserts value is StudySpec {
  const errors = studySchemaErrors(value);
  if (errors.length) {
    throw new IcmixError(`${what} is invalid (schemas/study.schema.json): ${errors.slice(0, 10).join('; ')}${errors.length > 10 ? `; and ${errors.length - 10} more` : ''}`);
  }
}
