/** `icmix/train`: the trainer and its parts (models, optimizer, losses, mixing, methods, memory estimate). */
export { train, prepareData, evaluateSet, type TrainResult, type EpochLog, type TrainHooks, type PreparedData } from './trainer.js';
export { TRAIN_DEFAULTS, TRAIN_RULES, resolveConfig, type TrainConfig } from './config.js';
export { buildModel, listModels, type ModelOptions } from './models/index.js';
// Run-folder IO moved to src/run; re-exported so icmix/train keeps its names.
export { saveLayersModel, loadLayersModel, loadRunModel, readManifest } from '../run/index.js';
export { Sgd, stepLr } from './optimizer.js';
export { scheduledLr, LR_SCHEDULES, type LrSchedule, type ScheduleOptions } from './schedule.js';
export { lossWarning, chanceWarning, CHANCE_FACTOR, type TrainWarning, type TrainWarningKind } from './warnings.js';
export { activationFloatsPerImage } from './memory.js';
export { estimateStepBytes, largestFittingBatch, type StepSize } from '../backend/step-memory.js';
export * from './losses/index.js';
export * from './methods/index.js';
export { summarizeModel, formatModelSummary, type ModelSummary, type LayerSummary } from './summary.js';
