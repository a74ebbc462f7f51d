import * as path from 'node:path';
import { exportRun } from '../../export/index.js';
import { CALIBRATION_FILE } from '../../infer/evaluate.js';
import { temperatureCalibration } from '../../infer/metrics/index.js';
import { readModelInfo } from '../../infer/model-info.js';
import { predict } from '../../infer/predict.js';
import type { CalibrationResult } from '../../infer/report/types.js';
import { createRuntime } from '../../infer/runtimes/index.js';
import { idSet } from '../../infer/suites/index.js';
import { prepareData } from '../../train/trainer.js';
import { RUN_FILES } from '../../types.js';
import { writeJsonAtomic } from '../../util/atomic.js';
import type { StageFn } from './types.js';

/**
 * Temperature scaling: fit T on the held-out validation split (regenerated from the run's
 * config, as the trainer made it), measure the test split before and after, write
 * calibration.json, and a calibrated ONNX with T in the graph.
 * TODO(study): call the eval-runtime engineer's calibrate() here once it lands; this does the
 * same with the pieces that exist (ONNX Runtime predictions + metrics' temperatureCalibration).
 */
export const calibrateStage: StageFn = async ({ cell, runDir, threads, onProgress }) => {
  const onnx = path.join(runDir, RUN_FILES.onnx);
  const info = await readModelInfo(onnx);
  onProgress('validation split');
  const data = await prepareData(cell.train);
  if (data.val.labels.length === 0) throw new Error(`${cell.id}: no validation images to fit the temperature on; set train.valSize`);
  const test = idSet(data.test, { limit: cell.eval.limit, seed: cell.eval.seed });
  const rt = await createRuntime('cpu', onnx, { threads, info });
  let result: CalibrationResult;
  try {
    onProgress('fit T');
    const val = await predict(rt, info, data.val.images, data.val.labels.length, { batchSize: cell.eval.batchSize });
    const tst = await predict(rt, info, test.images, test.n, { batchSize: cell.eval.batchSize });
    result = temperatureCalibration({ logits: val.logits, labels: data.val.labels, split: 'val' }, { logits: tst.logits, labels: test.labels }, info.numClasses, { bins: cell.eval.bins });
  } finally {
    await rt.dispose();
  }
  onProgress('calibrated onnx');
  await exportRun(runDir, { out: path.join(runDir, RUN_FILES.calibratedOnnx), temperature: result.temperature, verify: false });
  await writeJsonAtomic(path.join(runDir, CALIBRATION_FILE), result);
};
