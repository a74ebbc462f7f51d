import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CALIBRATION_FILE, evaluate } from '../../infer/evaluate.js';
import type { CalibrationResult } from '../../infer/report/types.js';
import { writeReport } from '../../infer/report/index.js';
import { RUN_FILES } from '../../types.js';
import type { StageFn } from './types.js';

/**
 * Evaluate the uncalibrated model on every suite (the tables compare methods as trained; the
 * temperature-scaled ECE comes from calibration.json), attach the calibration result, and write
 * report.json (atomically; its presence marks the cell finished), report.md and the SVGs.
 */
export const evaluateStage: StageFn = async ({ cell, runDir, threads, onProgress }) => {
  const e = cell.eval;
  const report = await evaluate({
    model: path.join(runDir, RUN_FILES.onnx),
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
    onProgress: (m) => onProgress(m.length > 40 ? `${m.slice(0, 39)}…` : m),
  });
  try {
    report.calibration = JSON.parse(await fs.readFile(path.join(runDir, CALIBRATION_FILE), 'utf8')) as CalibrationResult;
  } catch {
    /* no calibration: the report simply lacks it */
  }
  await writeReport(runDir, report);
};
