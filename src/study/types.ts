/**
 * A study: a grid of runs (dataset x protocol x method x seed), each trained, exported, calibrated
 * and evaluated, then aggregated into one report. StudySpec mirrors schemas/study.schema.json.
 */
import type { TrainConfig } from '../train/config.js';
import type { StudyTrainKey } from '../train/options.js';
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
  /** This protocol's evaluated seeds (default: the study's); more where its cells are cheap. */
  seeds?: number[];
  /** This protocol's lr sweep (replaces the study's `tune`). */
  tune?: TuneSpec;
}

/** A learning-rate sweep as written in a study file (top level or per protocol). */
export interface TuneSpec {
  lr: number[];
  /** Seeds of the tune cells (default: the study's first seed). */
  seeds?: number[];
  /** What the choice maximises (the only criterion so far). */
  select?: 'val_accuracy';
  /** Let main cells train at an lr on the sweep's edge (default: they stop until the sweep is extended). */
  allowEdge?: boolean;
}

/** Training overrides a study applies to every cell. */
export type StudyTrainOverrides = Partial<Pick<TrainConfig, StudyTrainKey>>;

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
  /** 'pipeline-check': checks the machinery, not evidence (labelled so in published results). */
  purpose?: 'evidence' | 'pipeline-check';
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
  tune?: TuneSpec;
}

/** A protocol with its id resolved and the methods that run under it, in study order. */
export type Protocol = Omit<ProtocolSpec, 'id' | 'methods' | 'tune'> & { id: string; methods: string[]; tune?: Required<TuneSpec> };

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
  /** A tune cell: trained (train.lr = the swept value) and scored on validation, nothing else. */
  tune?: { group: string; lr: number };
  /**
   * A main cell whose lr is the one its tune group chose (train.lr is the study's and is not
   * used). Its tune seeds and selection are part of the cell; its list of rates is not: a sweep
   * extended past an edge keeps the cells whose group still chooses the rate they trained at.
   */
  tuned?: TuneGroup;
}

/** One method x protocol's sweep: its tune cells, and the main cells that use the choice. */
export interface TuneGroup {
  /** '<dataset>_<protocol>_<method>'. */
  group: string;
  dataset: string;
  protocol: string;
  method: string;
  lr: number[];
  seeds: number[];
  select: 'val_accuracy';
  allowEdge: boolean;
  /** Tune cell ids, lr-major. */
  cells: string[];
}

/** A study file after validation, with shorthands expanded and defaults filled in. */
export interface Study {
  spec: StudySpec;
  /** Where it was read from. */
  file?: string;
  protocols: Protocol[];
  /** The main cells (trained, exported, calibrated, evaluated; the tables are made of them). */
  cells: Cell[];
  /** Learning-rate tune cells, run before the main cells of their group. */
  tuneCells: Cell[];
  tuning: TuneGroup[];
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
  /** A tune cell's result (its presence marks the tune cell finished). */
  tune: 'tune.json',
  /** A tuned main cell: the lr its group chose, and the scores it was chosen from. */
  tuned: 'tuned.json',
} as const;

/**
 * The headline numbers of one finished cell (fractions in [0, 1], NLL in nats), one per column of
 * the metric catalogue's 'study' view (src/infer/metrics/catalogue): ID metrics, ECE after
 * temperature scaling, OOD detection against the study's reported OOD set (max-softmax, max-logit
 * and energy scores) and mean corruption accuracy. A key is absent when its suite did not run.
 */
export type MetricKey = ViewKey<'study'>;
export type CellMetrics = { [K in MetricKey]?: number };
