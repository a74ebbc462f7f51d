import type { CommandModule } from 'yargs';
import { createServer, SERVE_DEFAULTS, SERVE_RULES, SERVE_RUNTIMES, type ServeRuntime } from '../../serve/index.js';
import { loadModelInfo } from '../../infer/model-overrides.js';
import { ranged } from '../ranged.js';
import { modelOverrides, withModelFlags, type ModelFlagArgs } from '../model-flags.js';
import { DEFAULT_RUNTIME, type FallbackRuntime } from '../../infer/runtimes/types.js';

interface ServeArgs extends ModelFlagArgs {
  model: string;
  port: number;
  host: string;
  runtime: ServeRuntime;
  fallback?: FallbackRuntime;
  'max-batch': number;
  'max-wait-ms': number;
  'max-body': number;
  'max-items': number;
  'max-image-pixels': number;
  'body-timeout-ms': number;
  'shutdown-timeout-ms': number;
  'top-k': number;
  report?: string;
  web: boolean;
  threads?: number;
}

export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve <model>',
  describe: 'Serve an ONNX model over HTTP (predict, metadata, health, Prometheus metrics) and the web demo page',
  builder: (y) =>
    withModelFlags(
      y
        .example('$0 serve runs/icm/model.calibrated.onnx', 'then open http://127.0.0.1:8080/')
        .example('$0 serve model.onnx --max-batch 1', 'no dynamic batching')
        .epilog(
          'Requests:\n' +
            '  curl --data-binary @image.png -H "content-type: image/png" http://127.0.0.1:8080/v1/predict\n' +
            '  curl -d \'{"inputs": [[...pixels in [0,1]...]], "layout": "NHWC"}\' -H "content-type: application/json" http://127.0.0.1:8080/v1/predict\n' +
            'PNG/JPEG images of any size are resized to the model\'s input (one bilinear resize, as the page does); gray/RGB are\n' +
            'converted to its channel count. JSON pixel arrays must have the model\'s shape; "layout" says their order (NHWC or NCHW).\n' +
            'Each prediction has probabilities (after the model\'s temperature), top-k classes, confidence and an\n' +
            'ood flag (confidence below the threshold icmix calibrate stored; null without one).\n' +
            'GET /v1/model (metadata), /healthz, /metrics (Prometheus), /openapi.json (the API). SIGINT/SIGTERM finish\n' +
            'in-flight requests for up to --shutdown-timeout-ms, then close what is left.',
        )
        .positional('model', { type: 'string', demandOption: true, describe: 'the .onnx file written by icmix export or icmix calibrate' })
        .option(...ranged('port', SERVE_RULES.port, { default: SERVE_DEFAULTS.port, describe: 'TCP port (0 picks a free one)' }))
        .option('host', { type: 'string', default: SERVE_DEFAULTS.host, describe: 'address to listen on (0.0.0.0 to accept remote clients)' })
        .option('runtime', { type: 'string', default: SERVE_DEFAULTS.runtime, choices: SERVE_RUNTIMES, describe: 'inference engine: onnxruntime-node cpu or cuda, or onnxruntime-web (wasm) in Node' })
        .option('fallback', { type: 'string', choices: [DEFAULT_RUNTIME], describe: 'if --runtime cuda is unavailable, serve on the CPU (noted in /v1/model) instead of failing' })
        .option(...ranged('max-batch', SERVE_RULES.maxBatch, { default: SERVE_DEFAULTS.maxBatch, describe: 'dynamic batching: most images per model call (1 turns batching off)', group: 'Batching:' }))
        .option(...ranged('max-wait-ms', SERVE_RULES.maxWaitMs, { default: SERVE_DEFAULTS.maxWaitMs, describe: 'dynamic batching: how long a request waits for others to join its batch', group: 'Batching:' }))
        .option(...ranged('max-body', SERVE_RULES.maxBody, { default: SERVE_DEFAULTS.maxBody, describe: 'largest request body in bytes (larger gets 413)', group: 'Limits:' }))
        .option(...ranged('max-items', SERVE_RULES.maxItems, { default: SERVE_DEFAULTS.maxItems, describe: 'most images in one JSON request (more gets 413)', group: 'Limits:' }))
        .option(...ranged('max-image-pixels', SERVE_RULES.maxImagePixels, { default: SERVE_DEFAULTS.maxImagePixels, describe: 'largest width x height a PNG/JPEG may declare (default 4096x4096); larger gets 413 from its header, before decoding', group: 'Limits:' }))
        .option(...ranged('body-timeout-ms', SERVE_RULES.bodyTimeoutMs, { default: SERVE_DEFAULTS.bodyTimeoutMs, describe: 'a request body must arrive within this time (slower gets 408)', group: 'Limits:' }))
        .option(...ranged('shutdown-timeout-ms', SERVE_RULES.shutdownTimeoutMs, { default: SERVE_DEFAULTS.shutdownTimeoutMs, describe: 'on SIGINT/SIGTERM, wait this long for in-flight requests, then close what is left', group: 'Limits:' }))
        .option(...ranged('top-k', SERVE_RULES.topK, { default: SERVE_DEFAULTS.topK, describe: 'classes listed per prediction (a request may pass ?top_k=)' }))
        .option('report', { type: 'string', describe: 'report.json (from icmix eval) whose reliability diagram the page shows; default: report.json next to the model' })
        .option('web', { type: 'boolean', default: true, describe: 'serve the web demo page at / (--no-web to turn off)' })
        .option(...ranged('threads', SERVE_RULES.threads, { describe: 'intra-op threads for the runtime (default: every core)' }))),
  handler: async (args) => {
    const overrides = await modelOverrides(args);
    for (const note of (await loadModelInfo(args.model, overrides)).notes) console.error(`icmix serve: ${note}`);
    const server = await createServer({
      model: args.model,
      runtime: args.runtime,
      fallback: args.fallback,
      host: args.host,
      port: args.port,
      maxBatch: args.maxBatch,
      maxWaitMs: args.maxWaitMs,
      maxBody: args.maxBody,
      maxItems: args.maxItems,
      maxImagePixels: args.maxImagePixels,
      bodyTimeoutMs: args.bodyTimeoutMs,
      shutdownTimeoutMs: args.shutdownTimeoutMs,
      topK: args.topK,
      report: args.report,
      web: args.web,
      threads: args.threads,
      overrides,
    });
    const url = await server.listen();
    const info = server.model.info;
    console.error(
      `icmix serve: ${args.model} (${info.inputShape.join('x')}, ${info.classNames.length} classes, T=${info.temperature}, ` +
        `OOD threshold ${info.oodThreshold ? info.oodThreshold.threshold.toFixed(4) : 'none: run icmix calibrate'}) on ${server.model.runtime}${server.model.note ? ` (${server.model.note})` : ''}`,
    );
    console.error(`icmix serve: listening on ${url}  (page: ${url}/, API: POST ${url}/v1/predict; Ctrl-C stops)`);
    // Graceful shutdown: stop accepting, finish in-flight requests, then exit.
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        console.error(`icmix serve: ${signal}, finishing in-flight requests (at most ${args.shutdownTimeoutMs} ms)`);
        server.close().then((report) => {
          if (report.forced) console.error(`icmix serve: requests still open after ${args.shutdownTimeoutMs} ms were cut off`);
          resolve();
        }, (err: unknown) => {
          console.error(`icmix: shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
          process.exitCode = 1;
          resolve();
        });
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
    console.error('icmix serve: stopped');
  },
};
