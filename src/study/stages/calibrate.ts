import { calibrateRun } from '../../infer/calibrate.js';
import type { StageFn } from './types.js';

/**
 * Temperature scaling and the OOD threshold, fitted on the run's held-out validation split:
 * writes model.calibrated.onnx and calibration.json (see `icmix calibrate`).
 */
export const calibrateStage: StageFn = async ({ cell, runDir, threads, onProgress }) => {
  await calibrateRun(runDir, { threads, batchSize: cell.eval.batchSize, bins: cell.eval.bins, onProgress });
};
