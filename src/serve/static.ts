import { existsSync, promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

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

/** The icmix package folder (holds package.json and web/), from src/serve or dist/src/serve. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) || !existsSync(path.join(dir, 'web'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('icmix: cannot find the package folder holding web/');
    dir = up;
  }
  return dir;
}

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
  app.get(`${prefix}:file`, async (req, reply) => {
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
export function serveFile(app: FastifyInstance, url: string, file: string): void {
  app.get(url, async (_req, reply) => {
    const body = await fs.readFile(file);
    return reply.type(TYPES[path.extname(file)] ?? 'application/octet-stream').header('cache-control', 'no-cache').send(body);
  });
}
