/** Studies: grids of train → export → calibrate → evaluate runs, aggregated into one report. */
export * from './types.js';
export { loadStudy, parseStudyText, studyFromObject } from './load.js';
export { validateStudySpec, studySchemaErrors, studySchemaPath } from './schema.js';
export { expandStudy, cellId, protocolId, methodApplies, evalSettings, PROTOCOL_SHORTHANDS } from './cells.js';
export { runCell, isCellFinished, readStagesDone, type RunCellOptions, type CellOutcome, type StagesDone } from './pipeline.js';
export { DEFAULT_STAGES, type StageContext, type StageFn, type StageImpls } from './stages/index.js';
export { runStudy, writeStudyReport, collectReports, cellDir, checkCellIndices, aggregateStudy, studyCellStates, failedCells, STUDY_FILES, STUDY_RULES, type RunStudyOptions, type StudyResult, type CellState } from './runner.js';
export { tryClaim, claimHolder, holderLiveness, isClaim, CLAIM_TIMEOUT_SECONDS, CLAIM_HEARTBEAT_SECONDS, type ClaimRecord, type ClaimHolder, CellClaim } from './claim.js';
export { checkStudyFolder } from './folder.js';
export { EXECUTORS, type ExecutorName } from './executors.js';
export { runStudyOnSlurm, defaultIcmixCommand, SLURM_RULES, type SlurmStudyOptions, type SlurmStudyResult } from './slurm/executor.js';
export { renderArrayScript, renderAggregateScript, shellQuote, type SlurmResources } from './slurm/script.js';
export { aggregateTables, pairedComparisons, bestPerColumn, describeProtocol, type MethodRow, type ProtocolTable, type PairedComparison } from './aggregate.js';
export { buildStudyReport, renderStudyMarkdown, formatSummary, STUDY_REPORT_VERSION, type StudyReport, type StudyProvenance } from './report.js';
export { cellMetrics, poolReliability, METRIC_COLUMNS, type MetricColumn } from './metrics.js';
export { mean, sampleStd, summarise, pairedDifference, studentTQuantile, studentTCdf, type Summary, type PairedDifference } from './stats.js';
export { sideBySideReliabilitySvg } from './svg.js';
export { StudyProgress } from './progress.js';
