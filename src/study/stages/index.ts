import type { StageImpls } from './types.js';
import { trainStage } from './train.js';
import { exportStage } from './export.js';
import { calibrateStage } from './calibrate.js';
import { evaluateStage } from './evaluate.js';

export type { StageContext, StageFn, StageImpls } from './types.js';

/** The stages of a cell, in the order of STAGES. */
export const DEFAULT_STAGES: StageImpls = {
  train: trainStage,
  export: exportStage,
  calibrate: calibrateStage,
  evaluate: evaluateStage,
};
