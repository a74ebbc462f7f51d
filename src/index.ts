/**
 * icmix's library API: what a program needs to train, export, calibrate, evaluate, compare and
 * serve models, run studies, and load the datasets. The CLI (src/cli) is a thin layer over these
 * functions. Internals (layer converters, ONNX protobuf, metric kernels, corruption suites,
 * server parts) are in the subpath entries: icmix/train, icmix/data, icmix/export,
 * icmix/infer, icmix/serve, icmix/study.
 */
export type { ImageShape, Normalization } from './types.js';
export type { RunManifest } from './run/manifest.js';
export { ICMIX_VERSION } from './version.js';
export { IcmixError } from './util/errors.js';
export type { ProgressEvent, OnProgress } from './util/progress-event.js';
export { describeRule, type NumberRule } from './util/ranges.js';
export { useBackend, BACKEND_NAMES, type BackendName, type BackendInfo } from './backend/select.js';

// Datasets and protocols
export { loadDataset, listDatasets, describeDatasets, type LoadedDataset } from './data/datasets.js';
export type { ImageSet } from './data/image-set.js';
export { applyProtocol, type ProtocolOptions, type ProtocolResult } from './data/protocol.js';

// Train
export { train, type TrainResult, type EpochLog, type TrainHooks } from './train/trainer.js';
export { TRAIN_DEFAULTS, TRAIN_RULES, resolveConfig, type TrainConfig } from './train/config.js';
export { listModels } from './train/models/index.js';
export { listMethods, METHOD_NAMES, type MethodName } from './train/methods/presets.js';

// Run folders
export { loadRunModel, readManifest } from './run/index.js';

// Export to ONNX
export { exportRun, EXPORT_RULES, type ExportRunOptions, type ExportRunResult } from './export/run.js';
export { inspectOnnx, readOnnxMetadata } from './export/inspect.js';
export type { ExportOptions, VerifyResult, OnnxSummary } from './export/types.js';

// Calibrate and evaluate
export { calibrateRun, CALIBRATE_RULES, type CalibrateOptions, type CalibrateResult } from './infer/calibrate.js';
export { evaluate, EVAL_RULES, type EvaluateOptions } from './infer/evaluate.js';
export { readModelInfo, type ModelInfo } from './infer/model-info.js';
export { predictImages, predictImageFiles, type ImagePrediction, type PredictImagesOptions } from './infer/predict-images.js';
export { createRuntime, listRuntimes, RUNTIME_NAMES, type RuntimeName, type InferenceRuntime } from './infer/runtimes/index.js';
export { SUITE_NAMES, type SuiteName } from './infer/suites/index.js';
export { writeReport, readReport, renderMarkdown, validateReport, compareRuns } from './infer/report/index.js';
export type { EvalReport, RuntimeResult, ClassificationMetrics, OodSetResult, CorruptionResult, CalibrationResult } from './infer/report/types.js';

// Metrics (on plain arrays: probabilities [n, classes] row-major, labels [n])
export { accuracy, topKAccuracy, nll, brier, ece, softmax, fitTemperature, auroc, fpr95 } from './infer/metrics/index.js';

// Serve
export { createServer, SERVE_DEFAULTS, SERVE_RULES, type IcmixServer, type ServeOptions, type ServeRuntime } from './serve/server.js';
export { SERVE_RUNTIMES } from './serve/model.js';

// What this machine can do (icmix doctor)
export { runDoctor, formatDoctorReport, type DoctorReport, type DoctorCheck } from './doctor/index.js';

// Studies
export { loadStudy, studyFromObject } from './study/load.js';
export { runStudy, STUDY_RULES, type RunStudyOptions, type StudyResult } from './study/runner.js';
export type { Study, StudySpec, Cell } from './study/types.js';
