/** The ONNX core: one codec over schemas/onnx.proto, its generated types, shared readers and graph edits. */
export * from './schema.js';
export { encodeModel, decodeModel } from './codec.js';
export { DATA_TYPE_NAMES, metadataOf, valueDims, graphInputs, headerOf, readOnnxHeader, type GraphDims, type OnnxHeader } from './read.js';
export { appendTemperatureSoftmax, PROBABILITY_FLOOR, type TemperatureHeadOptions } from './edit.js';
