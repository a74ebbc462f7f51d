import * as path from 'node:path';
import { exportRun } from '../../export/index.js';
import { RUN_FILES } from '../../types.js';
import type { StageFn } from './types.js';

/**
 * Export the trained model to runDir/model.onnx (logits output, uncalibrated), verified against
 * tfjs in onnxruntime-node before it is written (atomically).
 */
export const exportStage: StageFn = async ({ runDir, onProgress }) => {
  onProgress({ task: 'export', message: 'onnx' });
  await exportRun(runDir, { out: path.join(runDir, RUN_FILES.onnx), verify: true });
};
