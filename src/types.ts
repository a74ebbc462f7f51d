/**
 * Shapes and records shared by train, export, infer and serve. Images are float32 in NHWC order
 * with pixel values in [0, 1] before normalisation.
 */

/** Per-channel input normalisation: x' = (x - mean[c]) / std[c]. */
export interface Normalization {
  mean: number[];
  std: number[];
}

/** [height, width, channels] of one image. */
export type ImageShape = [number, number, number];

/** What a run folder's manifest.json records about the trained model (icmix train writes it). */
export interface RunManifest {
  icmixVersion: string;
  createdAt: string;
  /** The resolved training configuration (CLI options after defaults). */
  config: Record<string, unknown>;
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
}

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
} as const;

/** Files inside a run folder. */
export const RUN_FILES = {
  manifest: 'manifest.json',
  log: 'log.jsonl',
  model: 'model', // folder holding model.json + weights.bin (tfjs layers format)
  checkpoint: 'checkpoint', // folder: model.json, weights.bin, optimizer and trainer state
  onnx: 'model.onnx',
  calibratedOnnx: 'model.calibrated.onnx',
  report: 'report.json',
} as const;
