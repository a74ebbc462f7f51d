// Types of preprocess.js, the one pixel conversion shared by the page and `icmix serve`
// (src/serve/decode.ts imports it as icmix/web/preprocess.js).

/** The parts of GET /v1/model's answer these functions read. */
export interface PageModelInfo {
  inputShape: [number, number, number];
  inputLayout: 'NHWC' | 'NCHW';
  normalization: { mean: number[]; std: number[] } | null;
  normalizationBaked?: boolean;
  output: 'logits' | 'probabilities';
  classNames: string[];
  oodThreshold: { threshold: number } | null;
}

/** RGBA bytes [pixels, 4] → float pixels [pixels, c] in [0, 1] (c = 1 or 3), alpha composited over black. */
export function rgbaToPixels(rgba: ArrayLike<number>, pixels: number, c: number): Float32Array;

/** One image [h*w*c] in [0, 1] (NHWC) → the model's input data and dims. */
export function preprocess(pixels: ArrayLike<number>, info: PageModelInfo): { data: Float32Array; dims: number[] };

/** Model output [classes] → probabilities. */
export function toProbabilities(output: ArrayLike<number>, info: Pick<PageModelInfo, 'output'>): number[];

/** Probabilities → top-k with class names, confidence and the OOD flag. */
export function summarize(
  probs: number[],
  info: Pick<PageModelInfo, 'classNames' | 'oodThreshold'>,
  k?: number,
): {
  probabilities: number[];
  index: number;
  label: string;
  confidence: number;
  ood: boolean | null;
  top: { index: number; label: string; probability: number }[];
};
