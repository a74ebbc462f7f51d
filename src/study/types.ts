/**
 * A study: a grid of runs (dataset x protocol x method x seed), each trained, exported, calibrated
 * and evaluated, then aggregated into one report. StudySpec mirrors schemas/study.schema.json.
 */
import type { TrainConfig } from '../train/config.js';
import type { MethodParams } from '../train/methods/params.js';
import type { RuntimeName } from '../infer/runtimes/index.js';
import type { SuiteName } from '../infer/suites/index.js';
import type { ViewKey } from '../infer/metrics/catalogue/index.js';

export type ProtocolKind = 'balanced' | 'long-tailed' | 'data-constrained';

/** A protocol as written in a study file (before shorthands are expanded). */
export interface ProtocolSpec {
  id?: string;
  kind: ProtocolKind;
  imbalance?: number;
  perClass?: number;
  trainSubset?: number;
  /** Per-protocol schedule (default: the study's). */
  epochs?: number;
  batchSize?: number;
  methods?: string[];
}

/** Training overrides a study applies to every cell. */
export type StudyTrainOverrides = Partial<
  Pick<TrainConfig, 'lr' | 'momentum' | 'weightDecay' | 'lrMilestones' | 'lrGamma' | keyof MethodParams | 'valSize' | 'pad' | 'flip' | 'backend' | 'workers' | 'maxStepsPerEpoch' | 'imageSize' | 'channels' | 'strict'>
>;

export interface StudyEvalSettings {
  ood?: string[];
  oodSamples?: number;
  limit?: number;
  corruptions?: string[];
  severities?: number[];
  bins?: number;
  batchSize?: number;
  seed?: number;
}

/** The study file's content (validated against schemas/study.schema.json). */
export interface StudySpec {
  name: string;
  description?: string;
  notes?: string;
  datasets: string[];
  dataDir?: string;
  protocols: Array<string | ProtocolSpec>;
  methods: string[];
  seeds: number[];
  model: string;
  width?: number;
  epochs: number;
  batchSize?: number;
  train?: StudyTrainOverrides;
  runtimes?: RuntimeName[];
  suites?: SuiteName[];
  corruptionSamples?: number;
  eval?: StudyEvalSettings;
  compare?: { method: string; baseline: string };
}

/** A protocol with its id resolved and the methods that run under it, in study order. */
export type Protocol = Omit<ProtocolSpec, 'id' | 'methods'> & { id: string; methods: string[] };

/** Everything evaluate() needs besides the model, identical for every cell of a study. */
export type CellEvalSettings = Omit<StudyEvalSettings, 'bins' | 'seed'> & {
  runtimes: RuntimeName[];
  suites: SuiteName[];
  corruptionSamples?: number;
  bins: number;
  seed: number;
};

/** One run of the grid. */
export interface Cell {
  /** Stable id, also the run folder's name: <dataset>_<protocol>_<method>_seed<seed>. */
  id: string;
  dataset: string;
  protocol: string;
  method: string;
  seed: number;
  /** icmix train's config for this cell, without `out` (the results folder decides it). */
  train: Omit<TrainConfig, 'out'>;
  eval: CellEvalSettings;
}

/** A study file after validation, with shorthands expanded and defaults filled in. */
export interface Study {
  spec: StudySpec;
  /** Where it was read from. */
  file?: string;
  protocols: Protocol[];
  cells: Cell[];
  compare: { method: string; baseline: string };
  /** The OOD set whose AUROC / FPR95 the tables report, per dataset. */
  reportedOod: Record<string, string | undefined>;
}

/** The stages of a cell, in order. */
export const STAGES = ['train', 'export', 'calibrate', 'evaluate'] as const;
export type Stage = (typeof STAGES)[number];

/** Files the study writes inside a cell's run folder (besides the run's own files). */
export const CELL_FILES = {
  /** The cell (config + eval settings) it was started with; a changed cell is not resumed. */
  cell: 'cell.json',
  /** Stages finished so far, with their wall times. */
  stages: 'stages.json',
  /** Why the cell failed, when it did (removed when it is retried). */
  error: 'error.txt',
} as const;

/**
 * The headline numbers of one finished cell (fractions in [0, 1], NLL in nats), one per column of
 * the metric catalogue's 'study' view (src/infer/metrics/catalogue): ID metrics, ECE after
 * temperature scaling, OOD detection against the study's reported OOD set (max-softmax, max-logit
 * and energy scores) and mean corruption accuracy. A key is absent when its suite did not run.
 */
export type MetricKey = ViewKey<'study'>;
export type CellMetrics = { [K in MetricKey]?: number };
