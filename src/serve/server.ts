import Fastify, { type FastifyInstance } from 'fastify';
import { listenError } from './http-errors.js';
import type { ModelOverrides } from '../infer/model-overrides.js';
import type { DynamicBatcher } from './batcher.js';
import type { ServeMetrics } from './metrics.js';
import { SERVE_RUNTIMES, type ServeModel } from './model.js';
import { icmixServe } from './plugin.js';
import { DEFAULT_RUNTIME, type FallbackRuntime } from '../infer/runtimes/types.js';
import { checkOptions, nonNegative, nonNegativeInt, positiveInt, type RuleTable } from '../util/ranges.js';

export type ServeRuntime = (typeof SERVE_RUNTIMES)[number];

export interface ServeOptions {
  /** The .onnx file to serve (icmix export / icmix calibrate output). */
  model: string;
  runtime?: ServeRuntime;
  /** When the runtime (cuda) is unavailable, serve on the CPU instead of failing. */
  fallback?: FallbackRuntime;
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
  runtime: DEFAULT_RUNTIME as ServeRuntime,
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

/** Build the HTTP server for one model (not yet listening): the icmix plugin on a Fastify of its own. */
export async function createServer(options: ServeOptions): Promise<IcmixServer> {
  const o = { ...SERVE_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as Required<Omit<ServeOptions, 'report' | 'threads' | 'fallback'>> &
    Pick<ServeOptions, 'report' | 'threads' | 'fallback'>;
  checkOptions(o, SERVE_RULES, 'serve');
  const app = Fastify({ bodyLimit: o.maxBody, logger: false, return503OnClosing: false });
  try {
    await app.register(icmixServe, o);
    await app.ready();
  } catch (e) {
    await app.close().catch(() => undefined);
    throw e;
  }
  const { model, metrics, batcher } = app.icmix;

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
        const drained = app.icmix.beginShutdown();
        // Requests clients already sent sit in the listen backlog (connected, not yet accepted) or
        // in accepted sockets not yet parsed. Closing the listener resets the first, and Node's
        // server.close() destroys the second as idle; so first accept and parse until neither has
        // happened for a moment, then stop accepting.
        await quietFor(app.server, ['connection', 'request'], DRAIN_QUIET_MS, Math.min(deadline, Date.now() + DRAIN_MAX_MS));
        app.icmix.refuseNew();
        const closed = app.close();
        let timer: NodeJS.Timeout | undefined;
        const forced = await Promise.race([
          closed.then(() => false),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), Math.max(0, deadline - Date.now())))),
        ]);
        clearTimeout(timer);
        // Past the bound: whatever is still open (a slow upload, a stuck client) is cut off.
        if (forced) app.server.closeAllConnections();
        await closed; // the plugin's onClose has run the last batches and freed the model
        await drained;
        return { forced };
      })();
      return closing;
    },
  };
}
