/** icmix serve: an HTTP server and web page for calibrated ONNX classifiers. */
export { icmixServe, type IcmixPluginOptions, type IcmixState } from './plugin.js';
export { createServer, SERVE_DEFAULTS, SERVE_RULES, type IcmixServer, type ServeOptions, type ServeRuntime, type ShutdownReport } from './server.js';
export { readImageHeader, readPngHeader, readJpegHeader, ImageHeaderError, type ImageHeader, type HeaderFormat } from './image-header.js';
export { admitImage } from './image-guard.js';
export { DynamicBatcher, type BatcherOptions, type BatchRunner } from './batcher.js';
export { decodeImage, rgbaToFloat, IMAGE_TYPES, type ImageFormat } from './decode.js';
export { parseJsonInputs, type ParsedInputs } from './inputs.js';
export { toPredictions, NO_THRESHOLD_NOTE, type Prediction, type PredictResponse } from './predict.js';
export { serveMetrics, Registry, Counter, Histogram, PROMETHEUS_CONTENT_TYPE, type ServeMetrics } from './metrics.js';
export { loadServeModel, SERVE_RUNTIMES, type ServeModel, type ServeModelInfo } from './model.js';
export { BadInput, type ErrorBody } from './errors.js';
