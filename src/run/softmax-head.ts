import * as tfl from '@tensorflow/tfjs-layers';

/**
 * A model whose last layer applies softmax (Dense(..., activation: 'softmax'), a Softmax layer or
 * Activation('softmax')) outputs probabilities. icmix's consumers expect logits from model.onnx
 * and apply softmax themselves, so the exporter strips that softmax (the graph outputs the real
 * logits) and the tfjs reference runs the same stripped model. Found here, once, for both.
 */

export interface TrailingSoftmax {
  /** The layer whose softmax is stripped. */
  layer: tfl.layers.Layer;
  /** 'activation': a layer with activation 'softmax' (becomes linear); 'layer': a Softmax/Activation layer (becomes identity). */
  kind: 'activation' | 'layer';
  /** Layer names from the top model down to `layer` (nested models first). */
  path: string[];
}

type Config = Record<string, unknown>;

/** Whether a Softmax layer's axis config is the last axis of a rank-`rank` tensor. */
function isLastAxis(axis: unknown, rank: number): boolean {
  const a = Array.isArray(axis) ? (axis.length === 1 ? axis[0] : undefined) : axis ?? -1;
  return a === -1 || a === rank - 1;
}

/**
 * The softmax over the class axis at the very end of a single-output model, or null. A layer
 * applied more than once is left alone (stripping it would change its other uses).
 */
export function findTrailingSoftmax(model: tfl.LayersModel, path: string[] = []): TrailingSoftmax | null {
  if (model.outputs.length !== 1) return null;
  const out = model.outputs[0];
  const layer = out.sourceLayer as tfl.layers.Layer;
  if (layer instanceof tfl.LayersModel) return findTrailingSoftmax(layer, [...path, layer.name]);
  if (layer.inboundNodes.length !== 1) return null;
  const cls = layer.getClassName();
  const cfg = layer.getConfig() as Config;
  const here = [...path, layer.name];
  if (cls === 'Softmax') return isLastAxis(cfg.axis, out.shape.length) ? { layer, kind: 'layer', path: here } : null;
  if (cfg.activation === 'softmax') return { layer, kind: cls === 'Activation' ? 'layer' : 'activation', path: here };
  return null;
}

/** Edit a layer config list (Sequential or functional) so the layer at `path` no longer applies softmax. */
function stripInConfig(modelConfig: Config, path: string[]): void {
  const layers = (modelConfig.config as Config | undefined)?.layers as Config[] | undefined;
  const entry = layers?.find((l) => (l.config as Config | undefined)?.name === path[0] || l.name === path[0]);
  if (!entry) throw new Error(`internal error: layer '${path[0]}' not found in the model topology`);
  if (path.length > 1) return stripInConfig(entry, path.slice(1));
  const cfg = entry.config as Config;
  if (entry.class_name === 'Softmax' || entry.class_name === 'Activation') {
    // Same name and position, so a functional model's wiring and the weight order are unchanged.
    entry.class_name = 'Activation';
    const { axis: _axis, ...rest } = cfg;
    entry.config = { ...rest, activation: 'linear' };
  } else {
    cfg.activation = 'linear';
  }
}

/**
 * `model` with its trailing softmax removed (a new model sharing no state; same weights), or
 * `model` itself when it has none. Its output is the logits the exported graph emits.
 */
export async function logitsModel(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  const found = findTrailingSoftmax(model);
  if (!found) return model;
  const topology = model.toJSON(null, false) as unknown as Config;
  stripInConfig(topology, found.path);
  const stripped = await tfl.models.modelFromJSON({ modelTopology: topology } as never);
  stripped.setWeights(model.getWeights());
  return stripped;
}
