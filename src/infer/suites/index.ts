/** Evaluation suites: in-distribution, OOD and corruptions. */
export { SUITE_NAMES, type SuiteName, type EvalImages, sampleIndices, gather } from './types.js';
export { idSet } from './id.js';
export { buildOodSets, defaultOodNames, type OodSet, type OodSuiteOptions } from './ood.js';
export { SYNTHETIC_OOD, type SyntheticOod } from './ood-synthetic.js';
export { corruptionSets, corruptionSuiteSize, corrupt, corruptionRng, getCorruption, listCorruptions, SEVERITIES, type Corruption, type CorruptionSuiteOptions } from './corruptions/index.js';
export { clip01, gaussianBlur, warp, sampleBilinear } from './image-ops.js';
