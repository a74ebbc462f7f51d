import type * as tfl from '@tensorflow/tfjs-layers';

/** One layer of a model summary. */
export interface LayerSummary {
  name: string;
  /** The layer's class, e.g. Conv2D. */
  type: string;
  /** Output shape(s) without the batch dimension, e.g. [[28, 28, 16]]. */
  outputShapes: (number | null)[][];
  params: number;
}

export interface ModelSummary {
  name: string;
  layers: LayerSummary[];
  trainableParams: number;
  nonTrainableParams: number;
}

const count = (ws: tfl.LayerVariable[]) => ws.reduce((n, w) => n + w.shape.reduce((a: number, d) => a * (d ?? 1), 1), 0);

/** Layers, output shapes and parameter counts, as Keras' model.summary() lists them. */
export function summarizeModel(model: tfl.LayersModel): ModelSummary {
  const layers = model.layers.map((l) => {
    const shapes = l.outputShape;
    const list = (Array.isArray(shapes[0]) || shapes.length === 0 ? shapes : [shapes]) as (number | null)[][];
    return { name: l.name, type: l.getClassName(), outputShapes: list.map((s) => s.slice(1)), params: count(l.weights) };
  });
  return { name: model.name, layers, trainableParams: count(model.trainableWeights), nonTrainableParams: count(model.nonTrainableWeights) };
}

const n = (x: number) => x.toLocaleString('en-US');

/** The summary as a fixed-width table with totals. */
export function formatModelSummary(s: ModelSummary): string {
  const rows = s.layers.map((l) => [`${l.name} (${l.type})`, l.outputShapes.map((sh) => `[${sh.map((d) => d ?? '?').join(', ')}]`).join(' '), n(l.params)]);
  const head = ['layer (type)', 'output shape', 'params'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `${r[0]!.padEnd(w[0]!)}  ${r[1]!.padEnd(w[1]!)}  ${r[2]!.padStart(w[2]!)}`;
  const total = s.trainableParams + s.nonTrainableParams;
  return [
    `model ${s.name}: ${s.layers.length} layers`,
    line(head),
    ...rows.map(line),
    `parameters: ${n(total)} (${n(s.trainableParams)} trainable, ${n(s.nonTrainableParams)} non-trainable)`,
  ].join('\n');
}
