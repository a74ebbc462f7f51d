/**
 * icmix serve as a fastify plugin: a host app registers it (`await app.register(icmixServe,
 * { model })`) and gets POST /v1/predict, GET /v1/model, /healthz, /metrics, /openapi.json and the
 * page, with the served model's state decorated on the host instance as `app.icmix`. The routes,
 * their hooks, body parsers and error handling live in an encapsulated child, so the host's own
 * routes keep theirs. `createServer` (server.ts) is this plugin on a Fastify of its own.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import swagger from '@fastify/swagger';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { RESIZE_ALGORITHM } from '../../web/resize.js';
import type { ModelOverrides } from '../infer/model-overrides.js';
import { RUN_FILES } from '../run/files.js';
import { checkReportFor } from '../run/staleness.js';
import { META } from '../types.js';
import { IcmixError } from '../util/errors.js';
import { ICMIX_VERSION } from '../version.js';
import { Arrivals } from './arrivals.js';
import { DynamicBatcher } from './batcher.js';
import { IMAGE_DECODER, IMAGE_MIME_TYPES } from '../image/index.js';
import { type FallbackRuntime } from '../infer/runtimes/types.js';
import { BadInput } from './errors.js';
import { errorBody, useIcmixErrors } from './http-errors.js';
import { DEFAULT_JSON_LAYOUT, JSON_LAYOUTS } from './inputs.js';
import { checkJsonBody } from './json-guard.js';
import { serveMetrics, type ServeMetrics } from './metrics.js';
import { loadServeModel, SERVE_RUNTIMES, type ServeModel, type ServeModelInfo } from './model.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { modelInfoRoutes } from './routes/model-info.js';
import { openapiRoutes } from './routes/openapi.js';
import { PREDICT_URL, predictRoutes } from './routes/predict.js';
import { staticPageRoutes } from './routes/static-page.js';

/** What the plugin serves and how (every field but `model` has a default: SERVE_DEFAULTS). */
export interface IcmixPluginOptions {
  model: string;
  runtime: (typeof SERVE_RUNTIMES)[number];
  fallback?: FallbackRuntime;
  threads?: number;
  overrides?: ModelOverrides;
  maxBatch: number;
  maxWaitMs: number;
  maxBody: number;
  maxItems: number;
  maxImagePixels: number;
  bodyTimeoutMs: number;
  topK: number;
  report?: string;
  web?: boolean;
}

/** The served model's state, decorated on the host instance as `app.icmix`. */
export interface IcmixState {
  model: ServeModel;
  info: ServeModelInfo;
  metrics: ServeMetrics;
  batcher: DynamicBatcher;
  /** GET /v1/model's document. */
  doc: Record<string, unknown>;
  /** Answers close their connection from now on, and queued batches run at once (shutdown begins). */
  beginShutdown(): Promise<void>;
  /** From now on requests get 503 shutting_down (what clients had sent is drained by then). */
  refuseNew(): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    icmix: IcmixState;
  }
}

/** { "inputs": [N][H][W][C] } nests 5 deep; one more level is room for a future field, none for a bomb. */
const JSON_MAX_DEPTH = 6;
/** Commas besides the pixels' (other fields, keys). */
const JSON_VALUE_MARGIN = 64;
/** How many times the largest request's values a body may hold before it is refused unparsed. */
const JSON_VALUE_FACTOR = 4;

const plugin: FastifyPluginAsync<IcmixPluginOptions> = async (host, o) => {
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

  // While shutting down, answers close their connection so keep-alive sockets don't hold close() open.
  let shuttingDown = false;
  // Once what clients had already sent is drained, requests that still arrive (pipelined, or on a
  // busy keep-alive connection) are refused in the documented error shape; fastify's own 503 body
  // (return503OnClosing) is another shape.
  let refusing = false;
  let drained: Promise<void> | undefined;
  const doc = modelDoc(o, model, hasReport);
  const state: IcmixState = {
    model,
    info,
    metrics,
    batcher,
    doc,
    beginShutdown() {
      shuttingDown = true;
      // Run queued batches now rather than after their wait, so in-flight requests finish fast.
      drained ??= batcher.drain();
      return drained;
    },
    refuseNew() {
      refusing = true;
    },
  };
  host.decorate('icmix', state);
  host.addHook('onClose', async () => {
    await state.beginShutdown();
    await model.dispose();
  });

  // The routes and everything that shapes their requests and answers, encapsulated.
  await host.register(async (app: FastifyInstance) => {
    useIcmixErrors(app, {
      maxBody: o.maxBody,
      onError: (req, code) => {
        if (req.routeOptions.url === PREDICT_URL) metrics.errors.inc({ code });
      },
    });
    app.removeContentTypeParser('text/plain'); // only images and JSON are accepted
    app.addContentTypeParser(Object.keys(IMAGE_MIME_TYPES), { parseAs: 'buffer', bodyLimit: o.maxBody }, (_req, body, done) => done(null, body));
    // JSON is checked for depth and size on its bytes before JSON.parse spends the event loop on it.
    // The value bound is a few times the largest request, so a request of a few images too many
    // still gets the precise too_many_items from inputs.ts; only bodies far beyond it stop here.
    const jsonLimits = { maxDepth: JSON_MAX_DEPTH, maxValues: JSON_VALUE_FACTOR * o.maxItems * (h * w * c + 1) + JSON_VALUE_MARGIN };
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: o.maxBody }, (_req, body, done) => {
      try {
        const bytes = body as Buffer;
        if (bytes.length === 0) throw new BadInput(400, 'malformed_json', 'the JSON body is empty; send { "inputs": [...] }');
        checkJsonBody(bytes, jsonLimits);
        done(null, JSON.parse(bytes.toString('utf8')));
      } catch (e) {
        done(e as Error);
      }
    });
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

    // @fastify/swagger collects every route registered after it into GET /openapi.json.
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: { title: 'icmix serve', version: ICMIX_VERSION, description: `Calibrated image classification with ${String(doc.file)} (${w}x${h}x${c}, ${classes} classes).` },
      },
      // Shared schemas keep their $id as their name in components.schemas (icmix-error, not def-0).
      refResolver: { buildLocalReference: (json: { $id?: unknown }, _base: unknown, _fragment: unknown, i: number) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    });
    await app.register(healthRoutes, { body: { status: 'ok', model: String(doc.file), runtime: model.runtime } });
    await app.register(modelInfoRoutes, { doc });
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
  });
};

/** GET /v1/model's document: the model, how images are resized and JSON read, the limits. */
function modelDoc(o: IcmixPluginOptions, model: ServeModel, hasReport: boolean): Record<string, unknown> {
  const info = model.info;
  const [h, w, c] = info.inputShape;
  return {
    file: path.basename(o.model),
    runtime: model.runtime,
    runtimeNote: model.note ?? null,
    inputShape: info.inputShape,
    inputLayout: info.inputLayout,
    numClasses: info.numClasses,
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
    // Which decoder reads image bodies and by what rules (orientation, colour), as the README says.
    decoder: IMAGE_DECODER,
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
      accepts: [...Object.keys(IMAGE_MIME_TYPES), 'application/json'],
    },
    report: hasReport ? '/report.json' : null,
    modelUrl: '/model.onnx',
  };
}

// Not encapsulated (what fastify-plugin marks): `icmix` and the onClose hook belong to the host.
Object.assign(plugin, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: 'icmix-serve' });

export const icmixServe = plugin;
