/** Training methods as mixer x objective presets (see presets.ts for how to add one). */
export { METHODS, METHOD_NAMES, getMethod, listMethods, isMethodName, type MethodName, type MethodPreset, type NamedPreset } from './presets.js';
export { createMethod, type TrainingMethod, type StepLogits } from './method.js';
export { METHOD_PARAMS, METHOD_PARAM_DEFAULTS, resolveParams, type MethodParams, type MethodOptions, type PresetParams } from './params.js';
// The types a training step passes between mixer, objective and method (the trainer and its workers name them from here).
export type { LossTargets, MixDraw, MixedBatch, Mixer, TrainingData } from '../mixers/types.js';
