import type { ImageShape, Normalization } from '../types.js';
import { IcmixError } from '../util/errors.js';
import { toModelInput } from '../../web/normalize.js';

// The layout conversions live with the one normalisation (web/normalize.js, shared with the page).

/** How a model wants its input: the part of ModelInfo that preprocessing reads. */
export interface InputSpec {
  /** [H, W, C] of one image. */
  inputShape: ImageShape;
  inputLayout: 'NHWC' | 'NCHW';
  /** Per-channel normalisation the model expects; null = feed pixels in [0, 1] as they are. */
  normalization: Normalization | null;
  /** True when the graph normalises itself (feed [0, 1] pixels). */
  normalizationBaked: boolean;
  /** Multiply [0, 1] pixels by this first (255 for models that take 0-255); absent = 1. */
  inputScale?: number;
}

/**
 * Images [n, h, w, c] in [0, 1] → the model's input tensor: normalised per channel unless the
 * graph does it itself (or no normalisation is recorded), then laid out NHWC or NCHW. Training's
 * own normalize, so the ONNX model sees bit-identical inputs to the ones the tfjs model was
 * trained and tested on.
 */
export function preprocess(images: Float32Array, n: number, info: InputSpec): { data: Float32Array; dims: number[] } {
  const [h, w, c] = info.inputShape;
  if (images.length !== n * h * w * c) {
    throw new IcmixError(`preprocess: got ${images.length} values for ${n} images of [${h}, ${w}, ${c}] (expected ${n * h * w * c}); the data's image shape must match the model's input`);
  }
  return toModelInput(images, n, info);
}
