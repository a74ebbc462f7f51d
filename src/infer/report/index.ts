/** Evaluation reports: types, schema validation, Markdown, SVG reliability diagrams, comparison. */
export * from './types.js';
export { validateReport, reportSchemaErrors, reportSchemaPath } from './schema.js';
export { renderMarkdown } from './markdown.js';
export { reliabilitySvg, type ReliabilitySvgOptions } from './svg.js';
export { writeReport } from './write.js';
export { REPORT_FILES } from '../../run/files.js';
export { trainingCurvesSvg, readCurvePoints, writeTrainingCurves, TRAINING_CURVES_FILE, type CurvePoint } from './curves.js';
export { readReport, reportPathOf } from './read.js';
export { compareRuns, compareReports, renderComparison, COMPARISON_COLUMNS, type ComparisonRow } from './compare.js';
export { headline, meanOod, type Headline } from './summary.js';
