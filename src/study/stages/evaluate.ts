import { evaluate, readCalibrationFile } from '../../infer/evaluate.js';
import { writeReport } from '../../infer/report/index.js';
import { runPaths } from '../../run/index.js';
import type { StageFn } from './types.js';

/**
 * Evaluate the uncalibrated model on every suite (the tables compare methods as trained; the
 * temperature-scaled ECE comes from calibration.json), attach the calibration result, and write
 * report.json (atomically; its presence marks the cell finished), report.md and the SVGs.
 */
export const evaluateStage: StageFn = async ({ cell, runDir, threads, onProgress }) => {
  const e = cell.eval;
  const report = await evaluate({
    model: runPaths(runDir).onnx,
    dataset: cell.dataset,
    dataDir: cell.train.dataDir,
    runtimes: e.runtimes,
    suites: e.suites,
    batchSize: e.batchSize,
    bins: e.bins,
    seed: e.seed,
    limit: e.limit,
    ood: e.ood,
    oodSamples: e.oodSamples,
    corruptions: e.corruptions,
    corruptionSamples: e.corruptionSamples,
    severities: e.severities,
    threads,
    runDir,
    tfjsBackend: cell.train.backend,
    // Status messages share one line with the other cells; a finished summary gets a line of its own.
    onProgress: (ev) => onProgress({ ...ev, message: !ev.finished && ev.message && ev.message.length > 40 ? `${ev.message.slice(0, 39)}…` : ev.message }),
  });
  // Without calibration.json the report simply lacks the calibration section.
  const calibration = await readCalibrationFile(runDir);
  if (calibration) report.calibration = calibration;
  await writeReport(runDir, report);
};
