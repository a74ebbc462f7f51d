/**
 * icmix's library API. The CLI (src/cli) is a thin layer over these functions.
 */
export * from './types.js';
export { ICMIX_VERSION } from './version.js';
export { Rng } from './util/rng.js';
export { IcmixError } from './util/errors.js';
export { useBackend, type BackendName, type BackendInfo } from './backend/select.js';

// train
export { train, prepareData, evaluateSet, type TrainResult, type EpochLog, type TrainHooks } from './train/trainer.js';
export { TRAIN_DEFAULTS, resolveConfig, type TrainConfig } from './train/config.js';
export { buildModel, listModels, type ModelOptions } from './train/models/index.js';
export { saveLayersModel, loadLayersModel } from './train/model-io.js';
export { loadRunModel, readManifest } from './train/run-io.js';
export { Sgd, stepLr } from './train/optimizer.js';
export * from './train/losses/index.js';
export * from './data/index.js';

// export, evaluate, serve, study
export * from './export/index.js';
export * from './infer/index.js';
export * from './serve/index.js';
export * from './study/index.js';
