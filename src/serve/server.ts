import { existsSync } from 'node:fs';
import * as path from 'node:path';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { checkReportFor, RUN_FILES } from '../run/index.js';
import { META } from '../types.js';
import { IcmixError } from '../util/errors.js';
import { DynamicBatcher } from './batcher.js';
import { decodeImage, IMAGE_TYPES } from './decode.js';
import { BadInput, type ErrorBody } from './errors.js';
import { parseJsonInputs } from './inputs.js';
import { PROMETHEUS_CONTENT_TYPE, serveMetrics, type ServeMetrics } from './metrics.js';
import type { ModelOverrides } from '../infer/model-overrides.js';
import { loadServeModel, SERVE_RUNTIMES, type ServeModel } from './model.js';
import { toPredictions, type PredictResponse } from './predict.js';
import { ortWebDist, packageRoot, serveFile, serveFolder } from './static.js';
import { checkOptions, nonNegative, positiveInt, type RuleTable } from '../util/ranges.js';

export type ServeRuntime = (typeof SERVE_RUNTIMES)[number];

export interface ServeOptions {
  /** The .onnx file to serve (icmix export / icmix calibrate output). */
  model: string;
  runtime?: ServeRuntime;
  /** When the runtime (cuda) is unavailable, serve on the CPU instead of failing. */
  fallback?: 'cpu';
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Images per model call; 1 turns dynamic batching off. */
  maxBatch?: number;
  /** How long a request may wait for others to fill its batch. */
  maxWaitMs?: number;
  /** Largest request body in bytes (larger → 413). */
  maxBody?: number;
  /** Most images in one request (more → 413). */
  maxItems?: number;
  /** Classes listed per prediction. */
  topK?: number;
  /** The evaluation report shown by the web page; default: report.json next to the model, if any. */
  report?: string;
  /** Serve the web page at / (default true). */
  web?: boolean;
  threads?: number;
  /** For models made elsewhere: layout, normalisation, output kind, class names (override metadata). */
  overrides?: ModelOverrides;
}

export const SERVE_DEFAULTS = {
  runtime: 'cpu' as ServeRuntime,
  host: '127.0.0.1',
  port: 8080,
  maxBatch: 32,
  maxWaitMs: 2,
  maxBody: 8 * 1024 * 1024,
  maxItems: 256,
  topK: 5,
};

/** The allowed range of every numeric serve option (the CLI's flags use the same table). */
export const SERVE_RULES: RuleTable<ServeOptions> = {
  port: { type: 'int', min: 0, max: 65535 },
  maxBatch: positiveInt,
  maxWaitMs: nonNegative,
  maxBody: positiveInt,
  maxItems: positiveInt,
  topK: positiveInt,
  threads: positiveInt,
};

export interface IcmixServer {
  app: FastifyInstance;
  model: ServeModel;
  metrics: ServeMetrics;
  batcher: DynamicBatcher;
  /** Start listening; resolves to the base URL, e.g. http://127.0.0.1:8080. */
  listen(): Promise<string>;
  /** Stop accepting requests, finish the ones in flight (their batches run at once), free the model. */
  close(): Promise<void>;
}

function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

/** Map framework errors (body parsing, limits) to the same { error: { code, message } } shape. */
function describeError(err: FastifyError, maxBody: number): { status: number; code: string; message: string } {
  if (err instanceof BadInput) return { status: err.status, code: err.code, message: err.message };
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'body_too_large', message: `the request body is larger than the server's limit of ${maxBody} bytes; send fewer or smaller images (or start the server with a larger --max-body)` };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, code: 'unsupported_media_type', message: `content-type is not accepted here; send image/png, image/jpeg or application/json ({ "inputs": [...] })` };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, code: 'malformed_json', message: 'the JSON body is empty; send { "inputs": [...] }' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, code: 'malformed_json', message: `the body is not valid JSON (${err.message}); send { "inputs": [...] }` };
  }
  if (err instanceof SyntaxError) {
    return { status: 400, code: 'malformed_json', message: `the body is not valid JSON (${err.message}); send { "inputs": [...] }` };
  }
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) return { status, code: (err.code ?? 'bad_request').toLowerCase(), message: err.message };
  return { status: 500, code: 'internal', message: `the server failed: ${err.message}` };
}

/** Build the HTTP server for one model (not yet listening). */
export async function createServer(options: ServeOptions): Promise<IcmixServer> {
  const o = { ...SERVE_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as Required<Omit<ServeOptions, 'report' | 'threads' | 'fallback'>> &
    Pick<ServeOptions, 'report' | 'threads' | 'fallback'>;
  checkOptions(o, SERVE_RULES, 'serve');
  const model = await loadServeModel(o.model, o.runtime, { threads: o.threads, fallback: o.fallback, overrides: o.overrides });
  const info = model.info;
  const [h, w, c] = info.inputShape;
  const classes = info.numClasses;
  const metrics = serveMetrics();
  // Predict requests received whose images are not yet in the batcher (body still arriving or decoding).
  let arriving = 0;
  const counted = new WeakSet<object>();
  const settle = (req: object) => {
    if (counted.delete(req)) {
      arriving--;
      batcher.poke();
    }
  };
  const batcher = new DynamicBatcher((x, n) => model.predict(x, n), {
    maxBatch: o.maxBatch,
    maxWaitMs: o.maxWaitMs,
    itemSize: h * w * c,
    outSize: classes,
    arriving: () => arriving,
    onBatch: (images, requests, seconds) => {
      metrics.batchSize.observe(images);
      metrics.batchRequests.observe(requests);
      metrics.inferSeconds.observe(seconds);
    },
  });
  metrics.registry.gauge('icmix_arriving_requests', 'Predict requests being received or decoded, not yet queued.', () => arriving);
  metrics.registry.gauge('icmix_queued_images', 'Images waiting for their batch to run.', () => batcher.pending.images);
  metrics.registry.gauge('icmix_running_batches', 'Model calls running now.', () => batcher.pending.running);
  const reportPath = o.report ?? path.join(path.dirname(o.model), RUN_FILES.report);
  const hasReport = existsSync(reportPath);
  if (o.report && !hasReport) throw new IcmixError(`report file ${o.report} not found; pass the report.json written by icmix eval`);
  // A report of other weights would show the wrong numbers next to this model.
  if (hasReport) await checkReportFor(reportPath, o.model, info.metadata[META.weightsSha256]).catch(async (e: unknown) => {
    await model.dispose();
    throw e;
  });

  const app = Fastify({ bodyLimit: o.maxBody, logger: false, return503OnClosing: true });
  app.removeContentTypeParser('text/plain'); // only images and JSON are accepted
  app.addContentTypeParser(Object.keys(IMAGE_TYPES), { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const d = describeError(err, o.maxBody);
    if (d.status >= 500) req.log.error(err);
    if (req.routeOptions.url === '/v1/predict') metrics.errors.inc({ code: d.code });
    return reply.code(d.status).send(errorBody(d.code, d.message));
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send(errorBody('not_found', `no route ${req.method} ${req.url}; see GET /v1/model, POST /v1/predict, GET /healthz, GET /metrics`)),
  );
  // While shutting down, answers close their connection so keep-alive sockets don't hold close() open.
  let shuttingDown = false;
  app.addHook('onSend', async (_req, reply, payload) => {
    if (shuttingDown) reply.header('connection', 'close');
    return payload;
  });
  app.addHook('onRequest', async (req) => {
    if (req.method === 'POST' && req.routeOptions.url === '/v1/predict') {
      counted.add(req);
      arriving++;
    }
  });
  app.addHook('onResponse', async (req, reply) => {
    settle(req); // a request that failed before reaching the batcher
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, method: req.method, status: String(reply.statusCode) });
    metrics.latency.observe(reply.elapsedTime / 1000, { route });
  });

  app.post('/v1/predict', async (req, reply): Promise<PredictResponse> => {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() as keyof typeof IMAGE_TYPES;
    let images: Float32Array;
    let n: number;
    if (type in IMAGE_TYPES) {
      images = decodeImage(req.body as Buffer, IMAGE_TYPES[type], info.inputShape);
      n = 1;
    } else {
      ({ images, n } = parseJsonInputs(req.body, info.inputShape, o.maxItems));
    }
    const q = req.query as { top_k?: string };
    const topK = q.top_k !== undefined ? Number(q.top_k) : o.topK;
    if (!Number.isInteger(topK) || topK < 1) throw new BadInput(400, 'bad_top_k', `top_k must be a positive integer, got ${q.top_k}`);
    const submitted = batcher.submit(images, n);
    settle(req);
    const probs = await submitted;
    const res = toPredictions(probs, n, info, topK);
    metrics.images.inc({}, n);
    metrics.ood.inc({}, res.predictions.filter((p) => p.ood).length);
    void reply;
    return res;
  });

  const modelDoc = {
    file: path.basename(o.model),
    runtime: model.runtime,
    runtimeNote: model.note ?? null,
    inputShape: info.inputShape,
    inputLayout: info.inputLayout,
    numClasses: classes,
    classNames: info.classNames,
    normalization: info.normalization,
    normalizationBaked: info.normalizationBaked,
    inputScale: info.inputScale ?? 1,
    output: info.output,
    temperature: info.temperature,
    oodThreshold: info.oodThreshold,
    metadata: info.metadata,
    serving: { maxBatch: o.maxBatch, maxWaitMs: o.maxWaitMs, maxBody: o.maxBody, maxItems: o.maxItems, topK: o.topK, accepts: [...Object.keys(IMAGE_TYPES), 'application/json'] },
    report: hasReport ? '/report.json' : null,
    modelUrl: '/model.onnx',
  };
  app.get('/v1/model', async () => modelDoc);
  app.get('/healthz', async () => ({ status: 'ok', model: modelDoc.file, runtime: model.runtime }));
  app.get('/metrics', async (_req, reply) => reply.type(PROMETHEUS_CONTENT_TYPE).send(metrics.registry.render()));

  if (o.web !== false) {
    const root = packageRoot();
    serveFile(app, '/', path.join(root, 'web', 'index.html'));
    serveFolder(app, '/web/', path.join(root, 'web'), ['.html', '.js', '.mjs', '.css', '.svg', '.png']);
    serveFolder(app, '/ort/', ortWebDist(), ['.mjs', '.js', '.wasm']);
    serveFile(app, '/model.onnx', o.model);
    if (hasReport) serveFile(app, '/report.json', reportPath);
  }

  let closing: Promise<void> | undefined;
  return {
    app,
    model,
    metrics,
    batcher,
    async listen() {
      return app.listen({ host: o.host, port: o.port });
    },
    close() {
      closing ??= (async () => {
        shuttingDown = true;
        // Run queued batches now rather than after their wait, so in-flight requests finish fast.
        const drained = batcher.drain();
        await app.close();
        await drained;
        await model.dispose();
      })();
      return closing;
    },
  };
}
