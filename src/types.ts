/**
 * Shapes and records shared by train, export, infer and serve (run-folder records are in src/run). Images are float32 in NHWC order
 * with pixel values in [0, 1] before normalisation.
 */

/** Per-channel input normalisation: x' = (x - mean[c]) / std[c]. */
export interface Normalization {
  mean: number[];
  std: number[];
}

/** [height, width, channels] of one image. */
export type ImageShape = [number, number, number];

/**
 * Keys of ONNX metadata_props written by the exporter and read by eval, calibrate and serve.
 * Values are strings; structured values are JSON.
 */
export const META = {
  classNames: 'icmix.class_names', // JSON string[]
  normalization: 'icmix.normalization', // JSON Normalization
  normalizationBaked: 'icmix.normalization_baked', // 'true' | 'false'
  inputLayout: 'icmix.input_layout', // 'NHWC' | 'NCHW'
  inputShape: 'icmix.input_shape', // JSON [H, W, C]
  output: 'icmix.output', // 'logits' | 'probabilities'
  temperature: 'icmix.temperature', // number as string, 1 when uncalibrated
  softmaxStripped: 'icmix.softmax_stripped', // 'true' when the tfjs model's trailing softmax was left out of the graph
  oodThreshold: 'icmix.ood_threshold', // JSON { score: 'msp', threshold: number, tpr: number }
  method: 'icmix.method',
  dataset: 'icmix.dataset',
  version: 'icmix.version',
  weightsSha256: 'icmix.weights_sha256', // sha256 of the run's weights.bin it was exported from
} as const;
