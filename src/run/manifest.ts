import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { TrainConfig } from '../train/config.js';
import type { ImageShape, Normalization } from '../types.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { IcmixError } from '../util/errors.js';
import { RUN_FILES } from './files.js';
import type { TrainWarning } from '../train/warnings.js';

/** Options `--resume` may change (a diverged run continues with a lower rate); every other one must stay. */
export const RESUMABLE_CHANGES = ['lr', 'lrGamma', 'epochs'] as const;
export type ResumableOption = (typeof RESUMABLE_CHANGES)[number];

/** One `--resume` that changed options: at which epoch, and each option's [old, new] value. */
export interface ResumeRecord {
  /** Epochs completed when the run was resumed. */
  atEpoch: number;
  resumedAt: string;
  changed: Partial<Record<ResumableOption, [number, number]>>;
  /** The training engine before and after, where the run resumed on another one. */
  engine?: [string, string];
}

/** The learning-rate range test's outcome, as a run that used `--lr auto` records it. */
export interface LrFindRecord {
  suggestion: number;
  minLossLr: number;
  steepestLr: number;
  /** Steps the sweep ran. */
  steps: number;
  /** Why it ended early (the loss diverged). */
  stopped?: string;
}

/** What a run folder's manifest.json records about the trained model (icmix train writes it). */
export interface RunManifest {
  icmixVersion: string;
  createdAt: string;
  /** The resolved training configuration (CLI options after defaults; alpha, gamma, pad, flip filled in). */
  config: TrainConfig;
  dataset: {
    name: string;
    protocol: Record<string, unknown>;
    trainSize: number;
    valSize: number;
    testSize: number;
    classCounts: number[];
  };
  classNames: string[];
  inputShape: ImageShape;
  normalization: Normalization;
  backend: string;
  versions: Record<string, string>;
  /**
   * sha256 of model/weights.bin, recorded when the final model is saved; null while training
   * (model/ is not this run's yet); absent in folders written before fingerprints existed.
   */
  weightsSha256?: string | null;
  /** Resumes that changed the learning rate or its decay, in order. */
  resumes?: ResumeRecord[];
  /** Health checks that fired (loss not falling in epoch 1, validation accuracy near chance). */
  warnings?: TrainWarning[];
  /** Written when training finishes; a learning-rate tune run never evaluates the test split (testSkipped). */
  result?: { testAccuracy?: number; testLoss?: number; trainSeconds: number; testSkipped?: true };
  /** With --lr auto: what the learning-rate range test found (the run trained at `suggestion`). */
  lrFind?: LrFindRecord;
  /** With --keep best: the epoch whose weights model/ holds (best validation accuracy so far). */
  bestEpoch?: number;
  /** With --patience: the epoch after which training stopped, no new best for `patience` epochs. */
  stoppedEarly?: { afterEpoch: number; patience: number };
}

/** Read a run folder's manifest.json. */
export async function readManifest(runDir: string): Promise<RunManifest> {
  const file = path.join(runDir, RUN_FILES.manifest);
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as RunManifest;
  } catch (e) {
    throw new IcmixError(
      `${file} is missing or unreadable (${(e as Error).message}); is ${runDir} a folder written by \`icmix train\`?`,
    );
  }
}

/** Write a run folder's manifest.json atomically. */
export function writeManifest(runDir: string, manifest: RunManifest): Promise<void> {
  return writeJsonAtomic(path.join(runDir, RUN_FILES.manifest), manifest);
}
