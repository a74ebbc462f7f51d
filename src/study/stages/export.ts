import { exportRun } from '../../export/index.js';
import { runPaths } from '../../run/index.js';
import type { StageFn } from './types.js';

/**
 * Export the trained model to runDir/model.onnx (logits output, uncalibrated), verified against
 * tfjs in onnxruntime-node before it is written (atomically).
 */
export const exportStage: StageFn = async ({ runDir, onProgress }) => {
  onProgress({ task: 'export', message: 'onnx' });
  await exportRun(runDir, { out: runPaths(runDir).onnx, verify: true });
};
