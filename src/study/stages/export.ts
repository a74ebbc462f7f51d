import { exportRun } from '../../export/index.js';
import { runPaths } from '../../run/index.js';
import type { StageFn } from './types.js';

/**
 * Export the trained model to runDir/model.onnx (logits output, uncalibrated), verified against
 * tfjs in onnxruntime-node before it is written (atomically), on the cell's share of the cores
 * like the other stages.
 */
export const exportStage: StageFn = async ({ runDir, threads, onProgress }) => {
  onProgress({ task: 'export', message: 'onnx' });
  await exportRun(runDir, { out: runPaths(runDir).onnx, verify: true, threads });
};
