import type { ModelInfo } from './model-info.js';

/** One classified image, as POST /v1/predict and icmix predict report it. */
export interface Prediction {
  /** Top-1 class name and index. */
  label: string;
  index: number;
  /** Max softmax probability (after the model's temperature): the model's confidence. */
  confidence: number;
  /** confidence < the model's OOD threshold; null when the model has no threshold. */
  ood: boolean | null;
  /** The k most probable classes, most probable first. */
  top: { index: number; label: string; probability: number }[];
  /** All class probabilities [classes], summing to 1. */
  probabilities: number[];
}

export interface PredictResponse {
  predictions: Prediction[];
  /** The threshold the ood flags come from, or null with a note saying why there is none. */
  ood: { score: string; threshold: number; tpr?: number } | null;
  note?: string;
}

export const NO_THRESHOLD_NOTE =
  'this model has no OOD threshold in its metadata (icmix.ood_threshold), so ood is null; run icmix calibrate to choose one on the validation split';

/** Turn probabilities [n, classes] into per-image predictions with top-k and the OOD flag. */
export function toPredictions(probs: Float32Array, n: number, info: Pick<ModelInfo, 'classNames' | 'oodThreshold'>, topK: number): PredictResponse {
  const k = probs.length / n;
  const names = (i: number) => info.classNames[i] ?? String(i);
  const thr = info.oodThreshold;
  const predictions: Prediction[] = [];
  for (let r = 0; r < n; r++) {
    const row = Array.from(probs.subarray(r * k, (r + 1) * k));
    const order = row.map((_, i) => i).sort((a, b) => row[b] - row[a] || a - b);
    const top = order.slice(0, Math.min(topK, k)).map((i) => ({ index: i, label: names(i), probability: row[i] }));
    const confidence = row[order[0]];
    predictions.push({
      label: names(order[0]),
      index: order[0],
      confidence,
      ood: thr ? confidence < thr.threshold : null,
      top,
      probabilities: row,
    });
  }
  return thr ? { predictions, ood: thr } : { predictions, ood: null, note: NO_THRESHOLD_NOTE };
}
