import type { Normalization } from '../types.js';

/** Options of `exportOnnx` (and `icmix export`). */
export interface ExportOptions {
  /** ONNX opset, 13..17 (default 13); the IR version follows it. */
  opset?: number;
  /** Layout of the graph input: 'nhwc' like the tfjs model (default) or 'nchw'. */
  inputLayout?: 'nhwc' | 'nchw';
  /** Append Softmax so the output holds probabilities instead of logits. */
  probabilities?: boolean;
  /** Divide the logits by this before the output (and the Softmax); recorded in the metadata. */
  temperature?: number;
  /** The input normalisation the model was trained with: recorded in the metadata, or baked in. */
  normalization?: Normalization;
  /** Put (x - mean) / std as the first nodes, so the model takes raw pixels in [0, 1]. */
  bakeNormalization?: boolean;
  /** Fold BatchNormalization into the preceding Conv/Gemm where it is that node's only reader (default true). */
  foldBatchNorm?: boolean;
  /** Extra metadata_props (META keys or any others); these win over the exporter's own. */
  metadata?: Record<string, string>;
}

/** How the exported graph compares with the tfjs model on one set of inputs. */
export interface VerifySet {
  name: string;
  samples: number;
  maxAbsDiff: number;
  meanAbsDiff: number;
  /** Fraction of samples whose argmax agrees. */
  top1Agreement: number;
  /** Every value within tolerance + relativeTolerance * |tfjs value|. */
  withinTolerance: boolean;
}

export interface VerifyResult {
  /** What was compared: the output as the graph defines it ('logits' or 'probabilities'). */
  output: 'logits' | 'probabilities';
  samples: number;
  maxAbsDiff: number;
  top1Agreement: number;
  /** Absolute tolerance; each value may also differ by relativeTolerance * |tfjs value|. */
  tolerance: number;
  relativeTolerance: number;
  passed: boolean;
  sets: VerifySet[];
}

/** `inspectOnnx`'s account of any ONNX model. */
export interface OnnxSummary {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producer: string;
  graphName: string;
  inputs: { name: string; type: string; dims: (number | string)[] | null }[];
  outputs: { name: string; type: string; dims: (number | string)[] | null }[];
  nodeCount: number;
  /** Node count per op type, most frequent first. */
  opCounts: Record<string, number>;
  /** Elements of floating-point initializers (the learned parameters). */
  parameterCount: number;
  initializerCount: number;
  /** Bytes of initializer data held in the file. */
  initializerBytes: number;
  metadata: Record<string, string>;
}
