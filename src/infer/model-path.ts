// The run folder decides what a folder path stands for (src/run); re-exported under the infer name.
export { resolveRunModel as resolveModelPath } from '../run/index.js';
