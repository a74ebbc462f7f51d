/** Inference and evaluation: runtimes, model info, preprocessing, suites, evaluate, calibrate; plus metrics and reports. */
export { readModelInfo, modelInfoFromBytes, readOnnxHeader, type ModelInfo, type OodThreshold, type OnnxHeader, type GraphDims } from './model-info.js';
export { preprocess, nchwToNhwc, type InputSpec } from './preprocess.js';
export { predict, predictRaw, predictProbabilities, DEFAULT_BATCH_SIZE, type Predictions, type PredictOptions } from './predict.js';
export * from './runtimes/index.js';
export * from './suites/index.js';
export { evaluate, EVAL_RULES, runFolderOf, readCalibrationFile, CALIBRATION_FILE, DEFAULT_CORRUPTION_SAMPLES, DEFAULT_OOD_SAMPLES, type EvaluateOptions } from './evaluate.js';
export { calibrateRun, CALIBRATE_RULES, calibrateFromLogits, regenerateSplits, DEFAULT_OOD_TPR, type CalibrateOptions, type CalibrateResult } from './calibrate.js';
export { calibrateModel, CALIBRATE_MODEL_RULES, CALIBRATION_META, type CalibrateModelOptions, type CalibrateModelResult, type FitRecord } from './calibrate-model.js';
export { predictImages, predictImageFiles, listImageFiles, formatPredictionLine, PREDICT_IMAGES_RULES, type ImagePrediction, type PredictImagesOptions } from './predict-images.js';
export { toPredictions, NO_THRESHOLD_NOTE, type Prediction, type PredictResponse } from './predictions.js';
export { resolveModelPath } from './model-path.js';
export * from './metrics/index.js';
export * from './report/index.js';
