export { drawLambda } from './lambda.js';
export { mixInputs, permute } from './inputs.js';
export { drawCutmixBox, cutmixInputs, type CutmixBox } from './cutmix.js';
export { remixLabelLambda } from './remix.js';
