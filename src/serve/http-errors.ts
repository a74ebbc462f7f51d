/** How icmix serve answers errors: one JSON shape for every failure, and listen errors as messages. */
import Ajv from 'ajv';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { IcmixError } from '../util/errors.js';
import { BadInput, type ErrorBody } from './errors.js';
import { IMAGE_MIME_TYPES } from '../image/index.js';
import { errorSchema } from './schemas.js';

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

/** Request bodies are checked as sent (no type coercion); query strings and params are coerced from text. */
const bodyAjv = new Ajv.default({ coerceTypes: false, useDefaults: true, allErrors: false, strict: false });
const textAjv = new Ajv.default({ coerceTypes: 'array', useDefaults: true, removeAdditional: true, allErrors: false, strict: false });
bodyAjv.addSchema(errorSchema);
textAjv.addSchema(errorSchema);

/** Binary bodies (images) are checked by the image guard and the decoder, not by a JSON schema. */
function compileValidator({ schema, httpPart, contentType }: { schema: object; httpPart?: string; contentType?: string }) {
  if (httpPart === 'body' && contentType?.startsWith('image/')) return () => true;
  return (httpPart === 'body' ? bodyAjv : textAjv).compile(schema);
}

/** A listen failure as a message naming the address and what to do, not a stack trace. */
export function listenError(err: unknown, host: string, port: number): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'EADDRINUSE':
      return new IcmixError(`port ${port} on ${host} is already in use by another program; stop it, pick another port (--port), or use port 0 for a free one`);
    case 'EACCES':
      return new IcmixError(`not allowed to listen on port ${port} on ${host} (ports below 1024 need privileges); pick a port from 1024 to 65535 (--port)`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new IcmixError(`cannot listen on host ${host}: it is not an address of this machine (${code}); use 127.0.0.1, 0.0.0.0 or one of this machine's addresses (--host)`);
  }
  return err;
}

/** Route config: how a failed body schema check is reported (code and what a good body looks like). */
interface BodyErrorConfig {
  bodyError?: { code: string; hint: string };
}

/** A schema check that failed: code `bad_<field>` (or the route's body code), message naming the field. */
function describeValidation(err: FastifyError, req: FastifyRequest): { status: number; code: string; message: string } {
  const first = err.validation![0];
  const part = err.validationContext ?? 'request';
  const field = first.instancePath.split('/').filter(Boolean)[0] ?? (first.params as { missingProperty?: string }).missingProperty ?? part;
  if (part === 'body') {
    const cfg = (req.routeOptions.config as BodyErrorConfig).bodyError;
    const allowed = (first.params as { allowedValues?: unknown[] }).allowedValues;
    const what = `the body${first.instancePath ? ` at ${first.instancePath}` : ''} ${first.message}${allowed ? ` (${allowed.map((v) => JSON.stringify(v)).join(' or ')})` : ''}`;
    // A field beside the pixels (e.g. "layout") is named by its own code, not as missing inputs.
    if (first.instancePath && field !== 'inputs') return { status: 400, code: `bad_${field}`, message: what };
    return { status: 400, code: cfg?.code ?? 'bad_body', message: cfg ? `${cfg.hint} (${what})` : what };
  }
  const source = part === 'querystring' ? (req.query as Record<string, unknown>) : part === 'params' ? (req.params as Record<string, unknown>) : {};
  return { status: 400, code: `bad_${field}`, message: `${field} ${first.message}, got ${JSON.stringify(source[field])}` };
}

/** Map framework errors (body parsing, limits) to the same { error: { code, message } } shape. */
export function describeError(err: FastifyError, req: FastifyRequest, maxBody: number): { status: number; code: string; message: string } {
  if (err instanceof BadInput) return { status: err.status, code: err.code, message: err.message };
  if (err.validation) return describeValidation(err, req);
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'body_too_large', message: `the request body is larger than the server's limit of ${maxBody} bytes; send fewer or smaller images (or start the server with a larger --max-body)` };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, code: 'unsupported_media_type', message: `content-type is not accepted here; send ${Object.keys(IMAGE_MIME_TYPES).join(', ')} or application/json ({ "inputs": [...] })` };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, code: 'malformed_json', message: 'the JSON body is empty; send { "inputs": [...] }' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, code: 'malformed_json', message: `the body is not valid JSON (${err.message}); send { "inputs": [...] }` };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, code: 'bad_content_length', message: 'the body is not as long as its content-length header says; send the whole body' };
  }
  if (err instanceof SyntaxError) {
    return { status: 400, code: 'malformed_json', message: `the body is not valid JSON (${err.message}); send { "inputs": [...] }` };
  }
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) return { status, code: (err.code ?? 'bad_request').toLowerCase(), message: err.message };
  return { status: 500, code: 'internal', message: `the server failed: ${err.message}` };
}

export interface ErrorHandlingOptions {
  /** The server's body limit, named in the 413 message. */
  maxBody: number;
  /** Told of every error answer (after mapping), e.g. to count it. */
  onError?: (req: FastifyRequest, code: string, status: number) => void;
}

/**
 * Make every error answer of `app` one shape, { error: { code, message } }: schema checks (bodies
 * as sent, query strings coerced from text), framework errors, BadInput, unknown routes. Set on the
 * root instance, so it covers every route plugin registered on it.
 */
export function useIcmixErrors(app: FastifyInstance, o: ErrorHandlingOptions): void {
  app.setValidatorCompiler(compileValidator);
  app.addSchema(errorSchema);
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const d = describeError(err, req, o.maxBody);
    if (d.status >= 500) req.log.error(err);
    o.onError?.(req, d.code, d.status);
    // The rest of a timed-out body is never read: close the connection instead of draining it.
    if (d.status === 408) reply.header('connection', 'close');
    return reply.code(d.status).send(errorBody(d.code, d.message));
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send(errorBody('not_found', `no route ${req.method} ${req.url}; see GET /v1/model, POST /v1/predict, GET /healthz, GET /metrics, GET /openapi.json`)),
  );
}
