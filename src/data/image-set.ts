import type { ImageShape } from '../types.js';
import { IcmixError } from '../util/errors.js';

/**
 * A labelled set of images held in memory. Sets returned by `loadDataset` are cached and shared
 * within the process: treat `images` and `labels` as read-only (every transform here copies).
 */
export interface ImageSet {
  /** [n, h, w, c] float32, pixel values in [0, 1]. */
  images: Float32Array;
  /** [n] class ids in [0, numClasses). */
  labels: Int32Array;
  /** [h, w, c] of one image. */
  shape: ImageShape;
  numClasses: number;
  /** [numClasses] human-readable names, index = class id. */
  classNames: string[];
}

/** Number of floats in one image. */
export function imageSize(shape: ImageShape): number {
  return shape[0] * shape[1] * shape[2];
}

/** A new set holding copies of the images at `idx` (in that order). */
export function subset(set: ImageSet, idx: Int32Array | ArrayLike<number>): ImageSet {
  const size = imageSize(set.shape);
  const n = set.labels.length;
  const images = new Float32Array(idx.length * size);
  const labels = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i];
    if (!(j >= 0 && j < n)) throw new RangeError(`subset: index ${j} out of range [0, ${n})`);
    images.set(set.images.subarray(j * size, (j + 1) * size), i * size);
    labels[i] = set.labels[j];
  }
  return { images, labels, shape: [...set.shape] as ImageShape, numClasses: set.numClasses, classNames: [...set.classNames] };
}

/** [numClasses] how many images of each class the set holds. */
export function classCounts(set: Pick<ImageSet, 'labels' | 'numClasses'>): number[] {
  const counts = new Array<number>(set.numClasses).fill(0);
  for (let i = 0; i < set.labels.length; i++) counts[set.labels[i]]++;
  return counts;
}

/** [numClasses] the indices of each class's images, in ascending order. */
export function indicesByClass(set: Pick<ImageSet, 'labels' | 'numClasses'>): Int32Array[] {
  const counts = classCounts(set);
  const out = counts.map((c) => new Int32Array(c));
  const fill = new Array<number>(set.numClasses).fill(0);
  for (let i = 0; i < set.labels.length; i++) {
    const y = set.labels[i];
    out[y][fill[y]++] = i;
  }
  return out;
}

/** Throw if the arrays disagree with the shape or a label is out of range (`what` names the source). */
export function checkImageSet(set: ImageSet, what: string): void {
  const n = set.labels.length;
  if (!set.shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new IcmixError(`${what}: images of shape [${set.shape.join(', ')}] hold no pixels; every dimension must be at least 1 (is the header of the image file damaged?)`);
  }
  if (set.images.length !== n * imageSize(set.shape)) {
    throw new IcmixError(`${what}: ${set.images.length} pixel values do not fit ${n} images of shape [${set.shape.join(', ')}]`);
  }
  if (set.classNames.length !== set.numClasses) {
    throw new IcmixError(`${what}: ${set.classNames.length} class names for ${set.numClasses} classes`);
  }
  for (let i = 0; i < n; i++) {
    const y = set.labels[i];
    if (!(y >= 0 && y < set.numClasses)) {
      throw new IcmixError(`${what}: label ${y} of image ${i} is outside [0, ${set.numClasses}); is the label file the right one for this dataset?`);
    }
  }
}
