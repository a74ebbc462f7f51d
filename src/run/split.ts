import { applyProtocol, classCounts, computeNormalization, loadDataset, shapeOptions, type FolderFileId, type ImageSet } from '../data/index.js';
import type { DataRecord } from './data-record.js';
import type { TrainConfig } from '../train/config.js';
import type { Normalization } from '../types.js';
import type { OnProgress } from '../util/progress-event.js';
import { IcmixError } from '../util/errors.js';
import type { RunManifest } from './manifest.js';

/** The options that decide a run's data split. */
export type SplitConfig = Pick<TrainConfig, 'dataset' | 'dataDir' | 'imageSize' | 'channels' | 'strict' | 'maxImagePixels' | 'imbalance' | 'perClass' | 'trainSubset' | 'valSize' | 'seed'>;

/** A run's data after its protocol: what it trains on, validates and calibrates on, and tests on. */
export interface RunSplit {
  train: ImageSet;
  val: ImageSet;
  test: ImageSet;
  classCounts: number[];
  protocol: Record<string, unknown>;
  source: string;
  /** A folder dataset's files, for the run's record (data-record.ts). */
  files?: FolderFileId[];
}

/** The data a run trains on, after its protocol; regenerated identically from the config. */
export interface PreparedData extends RunSplit {
  normalization: Normalization;
}

/**
 * The one place a run's split is made: the dataset, then its protocol (imbalance, per-class,
 * subset, validation hold-out) seeded by the run's seed. Training and calibration both call it,
 * so calibration sees exactly the validation images training held out.
 */
export async function runSplit(cfg: SplitConfig, onProgress?: OnProgress, record?: DataRecord): Promise<RunSplit> {
  // A run's own folder is read as the run recorded it, so added files cannot move its split.
  const only = record ? { only: record.files } : {};
  const { train: full, test, val: ownVal, source, files } = await loadDataset(cfg.dataset, { dir: cfg.dataDir, imageSize: cfg.imageSize, channels: cfg.channels, strict: cfg.strict, maxImagePixels: cfg.maxImagePixels, onProgress, ...only });
  // A dataset with its own validation set (a folder's val/) holds nothing more out of train.
  const split = applyProtocol(full, {
    imbalance: cfg.imbalance,
    perClass: cfg.perClass,
    trainSubset: cfg.trainSubset,
    valSize: ownVal ? 0 : cfg.valSize,
    seed: cfg.seed,
  });
  if (ownVal) Object.assign(split.description, { valSize: ownVal.labels.length, valSplit: "the dataset's own validation set (val/)", valClassCounts: classCounts(ownVal) });
  return { train: split.train, val: ownVal ?? split.val, test, classCounts: split.classCounts, protocol: split.description, source, ...(files ? { files } : {}) };
}

/** The split and the normalisation computed on its training part (what `train` uses). */
export async function prepareData(cfg: SplitConfig, onProgress?: OnProgress, record?: DataRecord): Promise<PreparedData> {
  const split = await runSplit(cfg, onProgress, record);
  return { ...split, normalization: computeNormalization(split.train) };
}

/** The validation split the run held out, regenerated from its manifest (same protocol, same seed). */
export async function regenerateSplits(manifest: RunManifest, dataDir?: string, onProgress?: OnProgress, record?: DataRecord): Promise<{ val: ImageSet; test: ImageSet }> {
  // Read from disk: a hand-written or old manifest may lack fields the type promises.
  const cfg: Partial<TrainConfig> = manifest.config ?? {};
  const seed = cfg.seed ?? (manifest.dataset.protocol.seed as number | undefined);
  if (seed === undefined) throw new IcmixError('the run manifest records no seed (config.seed); cannot regenerate its validation split');
  // A folder dataset is decoded at the size and channels the run trained on (its input shape).
  const name = manifest.dataset.name;
  const shape = { imageSize: undefined, channels: undefined, ...shapeOptions(name, manifest.inputShape) };
  const split = await runSplit({ ...cfg, ...shape, dataset: name, dataDir: dataDir ?? cfg.dataDir, seed }, onProgress, record);
  if (split.val.labels.length === 0) {
    // Say why: --val-size 0 was given, or the default share of a small training set rounded to 0.
    const why =
      cfg.valSize === 0
        ? 'it was trained with --val-size 0'
        : `its ${split.train.labels.length} training images are too few for ${cfg.valSize === undefined ? 'the default share (10%, rounded per class)' : `--val-size ${cfg.valSize}`} to hold any out`;
    throw new IcmixError(`the run held out no validation images (${why}); calibration needs held-out images, never the test split: retrain with more images or a larger --val-size, or give the folder a val/`);
  }
  if (split.val.labels.length !== manifest.dataset.valSize || split.train.labels.length !== manifest.dataset.trainSize) {
    throw new IcmixError(
      `regenerating the run's split gave ${split.train.labels.length} train / ${split.val.labels.length} val images, but the manifest records ` +
        `${manifest.dataset.trainSize} / ${manifest.dataset.valSize}; is ${manifest.dataset.name} the same data the run was trained on?`,
    );
  }
  return { val: split.val, test: split.test };
}
