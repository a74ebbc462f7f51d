import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { errorResponses } from './schemas.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.onnx': 'application/octet-stream',
};

/** onnxruntime-web's dist/ folder, where the browser bundles and .wasm files live. */
export function ortWebDist(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('onnxruntime-web'));
}

/**
 * Serve the files directly inside `dir` under `prefix` (no subfolders, no dot files), so a request
 * can never reach outside it. Small and enough for a page, its script and ORT's bundles.
 */
export function serveFolder(app: FastifyInstance, prefix: string, dir: string, extensions: string[]): void {
  const schema = {
    summary: `Files of ${prefix} (${extensions.join(', ')})`,
    params: { type: 'object', required: ['file'], properties: { file: { type: 'string' } } },
    response: { 200: fileResponse(extensions), ...errorResponses },
  };
  app.get(`${prefix}:file`, { schema }, async (req, reply) => {
    const { file } = req.params as { file: string };
    const ext = path.extname(file);
    if (!/^[A-Za-z0-9][\w.-]*$/.test(file) || !extensions.includes(ext)) {
      return reply.code(404).send({ error: { code: 'not_found', message: `no file ${prefix}${file}` } });
    }
    let body: Buffer;
    try {
      body = await fs.readFile(path.join(dir, file));
    } catch {
      return reply.code(404).send({ error: { code: 'not_found', message: `no file ${prefix}${file}` } });
    }
    return reply.type(TYPES[ext] ?? 'application/octet-stream').header('cache-control', 'no-cache').send(body);
  });
}

/** Serve one file at a fixed URL. */
export function serveFile(app: FastifyInstance, url: string, file: string, summary: string): void {
  app.get(url, { schema: { summary, response: { 200: fileResponse([path.extname(file)]), ...errorResponses } } }, async (_req, reply) => {
    const body = await fs.readFile(file);
    return reply.type(TYPES[path.extname(file)] ?? 'application/octet-stream').header('cache-control', 'no-cache').send(body);
  });
}

/** A 200 response whose body is a file of one of these extensions (for the OpenAPI document). */
function fileResponse(extensions: string[]) {
  const types = [...new Set(extensions.map((e) => TYPES[e] ?? 'application/octet-stream'))];
  return { description: 'the file', content: Object.fromEntries(types.map((t) => [t, { schema: { type: 'string', format: 'binary' } }])) };
}
