/** `icmix/train`: the trainer and its parts (models, optimizer, mixers, objectives, methods, memory estimate). */
export { train, prepareData, evaluateSet, type TrainResult, type EpochLog, type TrainHooks, type PreparedData } from './trainer.js';
export { TRAIN_DEFAULTS, TRAIN_RULES, resolveConfig, type TrainConfig } from './config.js';
export { buildModel, listModels, type ModelOptions } from './models/index.js';
// Run-folder IO moved to src/run; re-exported so icmix/train keeps its names.
export { saveLayersModel, loadLayersModel, loadRunModel, readManifest } from '../run/index.js';
export { Sgd } from './optimizer.js';
export { scheduledLr, stepLr, LR_SCHEDULES, type LrSchedule, type ScheduleOptions } from './schedule.js';
export { lossWarning, chanceWarning, CHANCE_FACTOR, type TrainWarning, type TrainWarningKind } from './warnings.js';
export { activationFloatsPerImage } from './memory.js';
export { estimateStepBytes, largestFittingBatch, type StepSize } from '../backend/step-memory.js';
export * from './methods/index.js';
export { MIXERS, MIXER_PARAMS, createMixer, type MixerName } from './mixers/index.js';
export { drawLambda } from './mixers/lambda.js';
export { permute } from './mixers/permute.js';
export { mixup, mixInputs, drawMixup, mixupBatch, type MixupOptions } from './mixers/mixup.js';
export { cutmix, cutmixInputs, drawCutmixBox, type CutmixBox, type CutmixOptions } from './mixers/cutmix.js';
export { remix, remixLabelLambda, type RemixOptions } from './mixers/remix.js';
export { OBJECTIVES, createObjective, isPairwise, type ObjectiveName, type ObjectiveSpec } from './objectives/index.js';
export type { Objective, ObjectiveKind } from './objectives/types.js';
export { softCE, ceLoss, softCrossEntropy, mixupLoss, mixedTargets } from './objectives/soft-ce.js';
export { icm, icmLoss, icmPairLogits, sharedPositiveTargets, type IcmAxes, type IcmOptions } from './objectives/icm.js';
export { summarizeModel, formatModelSummary, type ModelSummary, type LayerSummary } from './summary.js';
