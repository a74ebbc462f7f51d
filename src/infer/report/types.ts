/**
 * The evaluation report: what `icmix eval` writes as report.json (schema in
 * schemas/report.schema.json, validated on write), what `icmix report` compares across runs and
 * what `icmix serve`'s page reads for its reliability diagram.
 *
 * Conventions: every rate is a fraction in [0, 1] (not a percentage); NLL is in nats; ECE-style
 * metrics use equal-width confidence bins unless named "adaptive". OOD metrics treat
 * in-distribution as the positive class, a higher score meaning more in-distribution.
 * Bump REPORT_SCHEMA_VERSION on any incompatible change.
 */

export const REPORT_SCHEMA_VERSION = 1 as const;

/**
 * The prediction metrics a report stores under suites.id, one number each. The catalogue
 * (metrics/catalogue/index.ts) defines how each is computed and must list exactly these (a
 * compile-time check there); declaring the names here keeps this file free of imports, so the
 * metrics that fill a report and the report that holds them do not import each other.
 */
export const PREDICTION_KEYS = ['accuracy', 'top5', 'nll', 'brier', 'ece', 'adaptiveEce', 'mce'] as const;
export type PredictionKey = (typeof PREDICTION_KEYS)[number];

/** One equal-width confidence bin of a reliability diagram. */
export interface ReliabilityBin {
  /** Bin bounds on the confidence axis: [lower, upper), the last bin is [lower, 1]. */
  lower: number;
  upper: number;
  /** Samples whose top-1 confidence falls in the bin. */
  count: number;
  /** Top-1 accuracy of those samples; 0 when count is 0. */
  accuracy: number;
  /** Mean top-1 confidence of those samples; 0 when count is 0. */
  confidence: number;
}

/**
 * Classification and calibration metrics of one set of predictions: one number per prediction
 * metric of the catalogue (src/infer/metrics/catalogue/prediction.ts: accuracy, top-5, NLL in nats
 * with p clamped at 1e-12, Brier summed over classes, ECE / adaptive ECE / MCE), plus the bins.
 */
export type ClassificationMetrics = {
  /** Number of samples. */
  n: number;
} & { [K in PredictionKey]: number } & {
  /** Number of bins used for ece / adaptiveEce / mce. */
  bins: number;
  /** Per-bin data for the reliability diagram (equal-width bins, `bins` entries). */
  reliability: ReliabilityBin[];
  /** confusion[t][p]: images of true class t predicted as p (argmax); per-class accuracy is its diagonal over its row sums. */
  confusion?: number[][];
};

/** OOD scores computed from logits; higher = more in-distribution. */
export type OodScoreName = 'msp' | 'maxLogit' | 'energy' | 'negEntropy';
export const OOD_SCORE_NAMES: readonly OodScoreName[] = ['msp', 'maxLogit', 'energy', 'negEntropy'];

/** Detection metrics for one score on one ID-vs-OOD pair. */
export interface OodDetectionMetrics {
  auroc: number;
  /** Average precision with in-distribution as positive. */
  auprIn: number;
  /** Average precision with OOD as positive (scores negated). */
  auprOut: number;
  /** FPR at the smallest-FPR threshold reaching TPR >= 0.95 (see metrics/ood.ts). */
  fpr95: number;
}

/** One OOD set evaluated against the in-distribution test split. */
export interface OodSetResult {
  /** e.g. 'mnist', 'gaussian-noise', 'inverted'. */
  name: string;
  /** 'far' (other dataset, noise) or 'near' (transformed in-distribution images). */
  kind: 'far' | 'near';
  /** Number of OOD samples (the ID side is the suite's id set). */
  n: number;
  /** Metrics per score; a score may be absent when it cannot be computed. */
  scores: Partial<Record<OodScoreName, OodDetectionMetrics>>;
}

/** Accuracy and calibration under one corruption at one severity. */
export interface CorruptionResult {
  corruption: string;
  /** 1..5 */
  severity: number;
  n: number;
  accuracy: number;
  ece: number;
  nll: number;
}

/** Mean accuracy, ECE and NLL over a group of corruption results. */
export interface CorruptionMeans {
  accuracy: number;
  ece: number;
  nll: number;
}

export interface CorruptionSuiteResult {
  /** Every corruption × severity. */
  results: CorruptionResult[];
  /** Mean over severities, per corruption. */
  perCorruption: Array<{ corruption: string } & CorruptionMeans>;
  /** Mean over all corruptions × severities. */
  mean: CorruptionMeans;
}

/** Everything measured on one runtime. */
export interface RuntimeResult {
  /** The runtime that actually ran: 'cpu' | 'cuda' | 'web' | 'webgpu' | 'tfjs'. */
  runtime: string;
  /** What the user asked for, when different (e.g. 'cuda' that fell back to 'cpu'). */
  requested?: string;
  /** Free-text note, e.g. why a fallback happened or the execution provider used. */
  note?: string;
  /** Wall time of all inference on this runtime, and throughput over the id suite. */
  timing?: { seconds: number; idImagesPerSecond?: number };
  suites: {
    id?: ClassificationMetrics;
    ood?: OodSetResult[];
    corruptions?: CorruptionSuiteResult;
  };
}

/** Top-1 agreement and worst probability difference between two runtimes on one suite. */
export interface ParityResult {
  a: string;
  b: string;
  /** 'id', 'ood:<name>' or 'corruptions' (all corruption sets pooled). */
  suite: string;
  n: number;
  /** Fraction of samples with the same argmax. */
  top1Agreement: number;
  /** max over samples and classes of |p_a − p_b|. */
  maxAbsDiff: number;
}

/** Before/after summary for temperature scaling. */
export interface CalibrationSnapshot {
  accuracy: number;
  nll: number;
  ece: number;
  brier: number;
}

export interface CalibrationResult {
  /** The fitted temperature (logits / T). */
  temperature: number;
  /** Which split T was fitted on, e.g. 'val'. */
  fitSplit: string;
  /** NLL on the fit split at T = 1 and at the fitted T. */
  fitNllBefore: number;
  fitNllAfter: number;
  /** Metrics on the test split at T = 1 (before) and the fitted T (after). */
  before: CalibrationSnapshot;
  after: CalibrationSnapshot;
  /** Reliability bins on the test split after scaling (before = suites.id.reliability). */
  reliabilityAfter?: ReliabilityBin[];
}

/** What the report records about the evaluated model (mostly its ONNX metadata). */
export interface ReportModel {
  /** Path of the evaluated .onnx as given. */
  path: string;
  /** Training method (icmix.method), e.g. 'icm', 'mixup', 'ce'. */
  method?: string;
  /** Training dataset (icmix.dataset). */
  dataset?: string;
  classNames: string[];
  inputShape: [number, number, number];
  /** Temperature baked into the model (1 when uncalibrated). */
  temperature: number;
  output: 'logits' | 'probabilities';
  inputLayout: 'NHWC' | 'NCHW';
  normalizationBaked: boolean;
  /** Fingerprint of the weights the model was exported from (ONNX metadata icmix.weights_sha256). */
  weightsSha256?: string;
  /** The run folder, if the model lives in one. */
  runDir?: string;
}

export interface EvalReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  icmixVersion: string;
  /** ISO 8601 time of writing. */
  createdAt: string;
  model: ReportModel;
  /** The evaluation data. */
  /** testSplit: which images were scored, where that is a choice (a folder dataset). */
  dataset: { name: string; testSize: number; source?: string; testSplit?: string };
  settings: {
    /** Suites that ran, e.g. ['id', 'ood', 'corruptions']. */
    suites: string[];
    /** Number of equal-width ECE bins. */
    bins: number;
    batchSize: number;
    seed: number;
    /** Cap on images per suite, when the user asked for one. */
    limit?: number;
    /** Images per OOD set and per corruption x severity (the suites subsample the test split). */
    oodSamples?: number;
    corruptionSamples?: number;
  };
  /** One entry per runtime; the first is the primary one `icmix report` compares. */
  runtimes: RuntimeResult[];
  calibration?: CalibrationResult;
  /** Per pair of runtimes per suite; absent or empty with one runtime. */
  parity?: ParityResult[];
}
