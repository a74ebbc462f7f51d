/** Evaluation suites: in-distribution, OOD and corruptions. */
export { SUITE_NAMES, type SuiteName, type EvalImages, sampleIndices, gather } from './types.js';
export { idSet } from './id.js';
export { buildOodSets, defaultOodNames, SYNTHETIC_OOD, type OodSet, type OodSuiteOptions, type SyntheticOod } from './ood.js';
export { corruptionSets, corruptionSuiteSize, corrupt, corruptionRng, getCorruption, listCorruptions, SEVERITIES, type Corruption, type CorruptionSuiteOptions } from './corruptions/index.js';
export { clip01, gaussianBlur, warp, sampleBilinear } from './image-ops.js';
