/** Training methods as mixer x objective presets (see presets.ts for how to add one). */
export { METHODS, METHOD_NAMES, getMethod, listMethods, isMethodName, type MethodName, type MethodPreset, type NamedPreset } from './presets.js';
export { createMethod, type TrainingMethod } from './method.js';
export { METHOD_PARAM_DEFAULTS, resolveParams, type MethodParams, type MethodOptions, type PresetParams } from './params.js';
export { MIXERS, createMixer, noMixer, mixupMixer, cutmixMixer, remixMixer, drawMixup, mixupBatch, type MixerName, type MixupOptions, type CutmixOptions, type RemixOptions } from './mixers/index.js';
export { OBJECTIVES, createObjective, isPairwise, type ObjectiveName, type ObjectiveSpec } from './objectives/index.js';
export type { LossTargets, MixDraw, MixedBatch, StepLogits, Mixer, MixerInputs, Objective, ObjectiveKind, TrainingData } from './types.js';
