import type * as tfl from '@tensorflow/tfjs-layers';

/** Floats one image occupies across every layer's output ([h, w, c] per layer, summed). */
export function activationFloatsPerImage(model: tfl.LayersModel): number {
  let total = 0;
  for (const layer of model.layers) {
    const shapes = layer.outputShape;
    const list = (Array.isArray(shapes[0]) || shapes.length === 0 ? shapes : [shapes]) as (number | null)[][];
    for (const s of list) total += s.slice(1).reduce((a: number, d) => a * (d ?? 1), 1);
  }
  return total;
}
