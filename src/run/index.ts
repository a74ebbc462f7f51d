/**
 * The run folder: the one module that knows its files, manifest, checkpoints, log, data split,
 * weight fingerprints and staleness. Train, export, calibrate, eval, serve and the study stages
 * ask it instead of reading file names or checkpoint state themselves.
 */
export { RUN_FILES, REPORT_FILES, CHECKPOINT_FILES, MODEL_FILES, runPaths, epochFolderName, isRunOutput, type RunFile } from './files.js';
export { readManifest, writeManifest, RESUMABLE_CHANGES, type RunManifest, type LrFindRecord, type ResumeRecord, type ResumableOption } from './manifest.js';
export { saveLayersModel, loadLayersModel, loadLayersModelWithFingerprint, isCompleteModelFolder } from './model-io.js';
export { loadRunModel, runFolderOf, resolveRunModel, checkOutFolder, clearRunOutputs, type OutFolderPolicy } from './folder.js';
export {
  saveCheckpoint,
  loadCheckpoint,
  readCheckpointState,
  checkpointToResume,
  completeEpochFolders,
  hasCheckpoint,
  checkpointDir,
  type CheckpointState,
} from './checkpoint.js';
export { readEpochLog, writeEpochLog, appendEpochLog, type EpochLog } from './log.js';
export { runSplit, prepareData, regenerateSplits, type RunSplit, type PreparedData, type SplitConfig } from './split.js';
export { resumeChanges } from './resume.js';
export { readDataRecord, writeDataRecord, type DataRecord } from './data-record.js';
export { weightsSha256, shortSha } from './fingerprint.js';
export { checkMadeFromRun, checkModelFile, checkReportFor } from './staleness.js';
