/** icmix serve: an HTTP server and web page for calibrated ONNX classifiers. */
export { icmixServe, type IcmixPluginOptions, type IcmixState } from './plugin.js';
export { createServer, SERVE_DEFAULTS, SERVE_RULES, type IcmixServer, type ServeOptions, type ServeRuntime, type ShutdownReport } from './server.js';
export { admitImage, toBadInput, REQUEST_BODY } from './image-guard.js';
export { DynamicBatcher, type BatcherOptions, type BatchRunner } from './batcher.js';
export { decodeImage } from './decode.js';
// The response shapes of POST /v1/predict (built in infer/predictions.ts, which icmix predict shares).
export type { Prediction, PredictResponse } from '../infer/predictions.js';
export { parseJsonInputs, type ParsedInputs } from './inputs.js';
export { serveMetrics, Registry, Counter, Histogram, PROMETHEUS_CONTENT_TYPE, type ServeMetrics } from './metrics.js';
export { loadServeModel, SERVE_RUNTIMES, type ServeModel, type ServeModelInfo } from './model.js';
export { BadInput, type ErrorBody } from './errors.js';
