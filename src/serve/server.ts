import { existsSync } from 'node:fs';
import * as path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { checkReportFor, RUN_FILES } from '../run/index.js';
import { META } from '../types.js';
import { IcmixError } from '../util/errors.js';
import { ICMIX_VERSION } from '../version.js';
import { DynamicBatcher } from './batcher.js';
import { DEFAULT_JSON_LAYOUT, JSON_LAYOUTS } from './inputs.js';
import { BadInput } from './errors.js';
import { checkJsonBody } from './json-guard.js';
import { IMAGE_TYPES } from './decode.js';
import { RESIZE_ALGORITHM } from '../../web/resize.js';
import { Arrivals } from './arrivals.js';
import { errorBody, listenError, useIcmixErrors } from './http-errors.js';
import { serveMetrics, type ServeMetrics } from './metrics.js';
import type { ModelOverrides } from '../infer/model-overrides.js';
import { loadServeModel, SERVE_RUNTIMES, type ServeModel } from './model.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { modelInfoRoutes } from './routes/model-info.js';
import { openapiRoutes } from './routes/openapi.js';
import { PREDICT_URL, predictRoutes } from './routes/predict.js';
import { staticPageRoutes } from './routes/static-page.js';
import { checkOptions, nonNegative, nonNegativeInt, positiveInt, type RuleTable } from '../util/ranges.js';

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
  /** Largest width x height an image body may declare; larger → 413, refused from its header before decoding. */
  maxImagePixels?: number;
  /** A request body must have arrived within this many ms of its headers (slower → 408). */
  bodyTimeoutMs?: number;
  /** close() waits this long for requests in flight, then closes the connections still open. */
  shutdownTimeoutMs?: number;
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
  // 4096 x 4096 (64 MB as RGBA): far above any model input here, far below what a bomb declares.
  maxImagePixels: 4096 * 4096,
  bodyTimeoutMs: 30_000,
  shutdownTimeoutMs: 10_000,
  topK: 5,
};

/** The allowed range of every numeric serve option (the CLI's flags use the same table). */
export const SERVE_RULES: RuleTable<ServeOptions> = {
  port: { type: 'int', min: 0, max: 65535 },
  maxBatch: positiveInt,
  maxWaitMs: nonNegative,
  maxBody: positiveInt,
  maxItems: positiveInt,
  maxImagePixels: positiveInt,
  bodyTimeoutMs: positiveInt,
  shutdownTimeoutMs: nonNegativeInt,
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
  /**
   * Stop accepting requests, finish the ones in flight (their batches run at once) for up to
   * shutdownTimeoutMs, then close the connections still open; free the model.
   */
  close(): Promise<ShutdownReport>;
}

export interface ShutdownReport {
  /** True when requests were still open after shutdownTimeoutMs and their connections were closed. */
  forced: boolean;
}

/** { "inputs": [N][H][W][C] } nests 5 deep; one more level is room for a future field, none for a bomb. */
const JSON_MAX_DEPTH = 6;
/** Commas besides the pixels' (other fields, keys). */
const JSON_VALUE_MARGIN = 64;

/** On shutdown: how long no connection or request must arrive before the listener closes. */
const DRAIN_QUIET_MS = 50;
/** ...and the longest that drain may take (a client that keeps connecting cannot hold it open). */
const DRAIN_MAX_MS = 1000;

/** Resolves once `events` have not fired on `emitter` for `quietMs`, or at `until` (epoch ms). */
function quietFor(emitter: NodeJS.EventEmitter, events: string[], quietMs: number, until: number): Promise<void> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout;
    const done = () => {
      clearTimeout(timer);
      for (const e of events) emitter.off(e, rearm);
      resolve();
    };
    const rearm = () => {
      clearTimeout(timer);
      timer = setTimeout(done, Math.max(0, Math.min(quietMs, until - Date.now())));
    };
    for (const e of events) emitter.on(e, rearm);
    rearm();
  });
}

/** Build the HTTP server for one model (not yet listening). */
export async function createServer(options: ServeOptions): Promise<IcmixServer> {
  const o = { ...SERVE_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as Required<Omit<ServeOptions, 'report' | 'threads' | 'fallback'>> &
    Pick<ServeOptions, 'report' | 'threads' | 'fallback'>;
  checkOptions(o, SERVE_RULES, 'serve');
  const reportPath = o.report ?? path.join(path.dirname(o.model), RUN_FILES.report);
  const hasReport = existsSync(reportPath);
  if (o.report && !hasReport) throw new IcmixError(`report file ${o.report} not found; pass the report.json written by icmix eval`);
  const model = await loadServeModel(o.model, o.runtime, { threads: o.threads, fallback: o.fallback, overrides: o.overrides });
  const info = model.info;
  // A report of other weights would show the wrong numbers next to this model.
  if (hasReport) await checkReportFor(reportPath, o.model, info.metadata[META.weightsSha256]).catch(async (e: unknown) => {
    await model.dispose();
    throw e;
  });
  const [h, w, c] = info.inputShape;
  const classes = info.numClasses;
  const metrics = serveMetrics();
  const arrivals = new Arrivals(() => batcher.poke());
  const batcher = new DynamicBatcher((x, n) => model.predict(x, n), {
    maxBatch: o.maxBatch,
    maxWaitMs: o.maxWaitMs,
    itemSize: h * w * c,
    outSize: classes,
    arriving: () => arrivals.count,
    onBatch: (images, requests, seconds) => {
      metrics.batchSize.observe(images);
      metrics.batchRequests.observe(requests);
      metrics.inferSeconds.observe(seconds);
    },
  });
  metrics.registry.gauge('icmix_arriving_requests', 'Predict requests being received or decoded, not yet queued.', () => arrivals.count);
  metrics.registry.gauge('icmix_queued_images', 'Images waiting for their batch to run.', () => batcher.pending.images);
  metrics.registry.gauge('icmix_running_batches', 'Model calls running now.', () => batcher.pending.running);
  metrics.registry.gauge('process_resident_memory_bytes', 'Resident memory of the server process in bytes.', () => process.memoryUsage.rss());

  const app = Fastify({ bodyLimit: o.maxBody, logger: false, return503OnClosing: false });
  useIcmixErrors(app, {
    maxBody: o.maxBody,
    onError: (req, code) => {
      if (req.routeOptions.url === PREDICT_URL) metrics.errors.inc({ code });
    },
  });
  app.removeContentTypeParser('text/plain'); // only images and JSON are accepted
  app.addContentTypeParser(Object.keys(IMAGE_TYPES), { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  // JSON is checked for depth and size on its bytes before JSON.parse spends the event loop on it.
  const jsonLimits = { maxDepth: JSON_MAX_DEPTH, maxValues: o.maxItems * (h * w * c + 1) + JSON_VALUE_MARGIN };
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      const bytes = body as Buffer;
      if (bytes.length === 0) throw new BadInput(400, 'malformed_json', 'the JSON body is empty; send { "inputs": [...] }');
      checkJsonBody(bytes, jsonLimits);
      done(null, JSON.parse(bytes.toString('utf8')));
    } catch (e) {
      done(e as Error);
    }
  });

  // While shutting down, answers close their connection so keep-alive sockets don't hold close() open.
  let shuttingDown = false;
  // Once what clients had already sent is drained (close()), requests that still arrive (pipelined,
  // or on a busy keep-alive connection) are refused in the documented error shape; fastify's own
  // 503 body (return503OnClosing) is another shape.
  let refusing = false;
  app.addHook('onRequest', async (_req, reply) => {
    if (refusing) return reply.code(503).send(errorBody('shutting_down', 'the server is shutting down; send the request again once it is back (or to another instance)'));
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    if (shuttingDown) reply.header('connection', 'close');
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, method: req.method, status: String(reply.statusCode) });
    metrics.latency.observe(reply.elapsedTime / 1000, { route });
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
    // Image bodies of any size are resized to the model's with the page's own code (web/resize.js).
    resize: { algorithm: RESIZE_ALGORITHM, module: o.web !== false ? '/web/resize.js' : null, to: { height: h, width: w } },
    // The order of JSON pixel arrays (not the graph's inputLayout: the server transposes for it).
    jsonLayout: {
      default: DEFAULT_JSON_LAYOUT,
      accepts: [...JSON_LAYOUTS],
      rule:
        c === 1
          ? 'one channel: both orders are the same numbers'
          : `a nested array is read in the layout its shape fits ([${h}][${w}][${c}] NHWC, [${c}][${h}][${w}] NCHW); a flat array, or a shape that fits both, needs "layout" in the body`,
    },
    serving: {
      maxBatch: o.maxBatch,
      maxWaitMs: o.maxWaitMs,
      maxBody: o.maxBody,
      maxItems: o.maxItems,
      maxImagePixels: o.maxImagePixels,
      bodyTimeoutMs: o.bodyTimeoutMs,
      topK: o.topK,
      accepts: [...Object.keys(IMAGE_TYPES), 'application/json'],
    },
    report: hasReport ? '/report.json' : null,
    modelUrl: '/model.onnx',
  };

  // @fastify/swagger collects every route registered after it into GET /openapi.json.
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'icmix serve', version: ICMIX_VERSION, description: `Calibrated image classification with ${modelDoc.file} (${w}x${h}x${c}, ${classes} classes).` },
    },
    // Shared schemas keep their $id as their name in components.schemas (icmix-error, not def-0).
    refResolver: { buildLocalReference: (json: { $id?: unknown }, _base: unknown, _fragment: unknown, i: number) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(healthRoutes, { body: { status: 'ok', model: modelDoc.file, runtime: model.runtime } });
  await app.register(modelInfoRoutes, { doc: modelDoc });
  await app.register(predictRoutes, {
    info,
    metrics,
    batcher,
    arrivals,
    limits: { maxItems: o.maxItems, topK: o.topK, maxImagePixels: o.maxImagePixels, bodyTimeoutMs: o.bodyTimeoutMs },
  });
  await app.register(metricsRoutes, { metrics });
  await app.register(openapiRoutes);
  if (o.web !== false) await app.register(staticPageRoutes, { model: o.model, report: hasReport ? reportPath : null });

  let closing: Promise<ShutdownReport> | undefined;
  return {
    app,
    model,
    metrics,
    batcher,
    async listen() {
      try {
        return await app.listen({ host: o.host, port: o.port });
      } catch (err) {
        throw listenError(err, o.host, o.port);
      }
    },
    close() {
      closing ??= (async () => {
        const deadline = Date.now() + o.shutdownTimeoutMs;
        shuttingDown = true;
        // Run queued batches now rather than after their wait, so in-flight requests finish fast.
        const drained = batcher.drain();
        // Requests clients already sent sit in the listen backlog (connected, not yet accepted) or
        // in accepted sockets not yet parsed. Closing the listener resets the first, and Node's
        // server.close() destroys the second as idle; so first accept and parse until neither has
        // happened for a moment, then stop accepting.
        await quietFor(app.server, ['connection', 'request'], DRAIN_QUIET_MS, Math.min(deadline, Date.now() + DRAIN_MAX_MS));
        refusing = true;
        const closed = app.close();
        let timer: NodeJS.Timeout | undefined;
        const forced = await Promise.race([
          closed.then(() => false),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), Math.max(0, deadline - Date.now())))),
        ]);
        clearTimeout(timer);
        // Past the bound: whatever is still open (a slow upload, a stuck client) is cut off.
        if (forced) app.server.closeAllConnections();
        await closed;
        await drained;
        await model.dispose();
        return { forced };
      })();
      return closing;
    },
  };
}
