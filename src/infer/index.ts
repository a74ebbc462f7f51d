/** Inference and evaluation: runtimes, model info, preprocessing, suites, evaluate, calibrate; plus metrics and reports. */
export { readModelInfo, modelInfoFromBytes, type ModelInfo, type OodThreshold } from './model-info.js';
export { readOnnxHeader, type OnnxHeader, type GraphDims } from '../onnx/index.js';
export { preprocess, type InputSpec } from './preprocess.js';
export { nchwToNhwc, nhwcToNchw } from '../../web/normalize.js';
export { predict, predictRaw, predictProbabilities, DEFAULT_BATCH_SIZE, type Predictions, type PredictOptions } from './predict.js';
export * from './runtimes/index.js';
export * from './suites/index.js';
export { evaluate, EVAL_RULES, readCalibrationFile, CALIBRATION_FILE, DEFAULT_CORRUPTION_SAMPLES, DEFAULT_OOD_SAMPLES, type EvaluateOptions } from './evaluate.js';
export { calibrateRun, CALIBRATE_RULES, calibrateFromLogits, DEFAULT_OOD_TPR, type CalibrateOptions, type CalibrateResult } from './calibrate.js';
export { CALIBRATION_META } from './calibrated-source.js';
export { calibrateModel, CALIBRATE_MODEL_RULES, type CalibrateModelOptions, type CalibrateModelResult, type FitRecord } from './calibrate-model.js';
export { predictImages, predictImageFiles, listImageFiles, formatPredictionLine, PREDICT_IMAGES_RULES, type ImagePrediction, type PredictImagesOptions } from './predict-images.js';
export { toPredictions, NO_THRESHOLD_NOTE, type Prediction, type PredictResponse } from './predictions.js';
// The run folder decides what a path stands for (src/run); infer's callers know these names.
export { regenerateSplits } from '../run/split.js';
export { runFolderOf, resolveRunModel as resolveModelPath } from '../run/folder.js';
export * from './metrics/index.js';
export * from './report/index.js';
