import * as path from 'node:path';

/** Files inside a run folder. */
export const RUN_FILES = {
  manifest: 'manifest.json',
  log: 'log.jsonl',
  model: 'model', // folder holding model.json + weights.bin (tfjs layers format)
  /** With --keep best: the best validation epoch's weights so far (a model folder like model/). */
  best: 'best-model',
  checkpoint: 'checkpoint', // folder: state.json and one epoch-NNNN/ folder (model, weights, optimizer)
  onnx: 'model.onnx',
  calibratedOnnx: 'model.calibrated.onnx',
  /** What `icmix calibrate` fitted (temperature, OOD threshold), read by `icmix eval`. */
  calibration: 'calibration.json',
  report: 'report.json',
  /** A folder dataset's files (path and size) the run trained with: its split is rebuilt from them. */
  dataFiles: 'data-files.json',
} as const;

/** Files `icmix eval` (writeReport) puts in the run folder besides report.json. */
export const REPORT_FILES = {
  json: RUN_FILES.report,
  markdown: 'report.md',
  /** reliability-<runtime>.svg per runtime with an id suite; reliability-calibrated.svg after T. */
  reliabilityPrefix: 'reliability-',
  /** The run's train loss, val accuracy and lr per epoch (src/infer/report/curves.ts). */
  trainingCurves: 'training-curves.svg',
  /** The primary runtime's confusion matrix (src/infer/report/confusion.ts). */
  confusion: 'confusion.svg',
} as const;

/** Files inside a checkpoint folder. */
export const CHECKPOINT_FILES = {
  /** Names the last complete epoch folder; written last, atomically. */
  state: 'state.json',
  optimizer: 'optimizer.bin',
  epochPrefix: 'epoch-',
} as const;

/** Files of a tfjs layers model folder (model/ and each checkpoint epoch folder). */
export const MODEL_FILES = {
  json: 'model.json',
  weights: 'weights.bin',
} as const;

export type RunFile = keyof typeof RUN_FILES;

/** Absolute-or-relative paths (as `runDir` is given) of every file of a run folder. */
export function runPaths(runDir: string): Record<RunFile, string> {
  return Object.fromEntries(Object.entries(RUN_FILES).map(([k, f]) => [k, path.join(runDir, f)])) as Record<RunFile, string>;
}

/** The name of a checkpoint's epoch folder: `epoch-0003`. */
export function epochFolderName(epoch: number): string {
  return `${CHECKPOINT_FILES.epochPrefix}${String(epoch).padStart(4, '0')}`;
}

/**
 * Whether a file in a run folder is made by `icmix train` or from its weights (and so is stale
 * once the weights change): the model, checkpoint and log, the ONNX exports, calibration.json,
 * report.json / report.md and the reliability diagrams `icmix eval` writes.
 */
export function isRunOutput(name: string): boolean {
  const own: readonly string[] = Object.values(RUN_FILES);
  return own.includes(name) || name === REPORT_FILES.markdown || name === REPORT_FILES.trainingCurves || name === REPORT_FILES.confusion || (name.startsWith(REPORT_FILES.reliabilityPrefix) && name.endsWith('.svg'));
}
