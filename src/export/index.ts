/** TensorFlow.js LayersModel -> ONNX: conversion, verification in onnxruntime-node, inspection. */
export type { ExportOptions, VerifyResult, VerifySet, OnnxSummary } from './types.js';
export { exportOnnx, buildOnnxModel, IR_VERSION_FOR_OPSET, DEFAULT_OPSET } from './convert.js';
export { exportRun, EXPORT_RULES, manifestMetadata, type ExportRunOptions, type ExportRunResult } from './run.js';
export { verifyOnnx, DEFAULT_TOLERANCE, DEFAULT_RELATIVE_TOLERANCE, type VerifyOptions } from './verify.js';
export { nhwcToNchw } from '../../web/normalize.js';
export { inspectOnnx, formatOnnxSummary, readOnnxMetadata } from './inspect.js';
export { encodeModel, decodeModel } from '../onnx/index.js';
export { supportedLayers } from './layers/index.js';
export { listActivations } from './activations.js';
export type { ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto, AttributeProto } from '../onnx/index.js';
