import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { META } from '../types.js';
import { IcmixError } from '../util/errors.js';
import { ICMIX_VERSION } from '../version.js';
import { emitActivation, hasActivation, listActivations } from './activations.js';
import { foldBatchNorm } from './fold-bn.js';
import { findTrailingSoftmax } from '../run/softmax-head.js';
import { GraphBuilder, tensorValueInfo } from './graph.js';
import { layerConverter, supportedLayers, type LayerContext, type Weight } from './layers/index.js';
import { encodeModel, type ModelProto } from '../onnx/index.js';
import type { ExportOptions } from './types.js';
import { broadcastDims, channelsFirstPerm, identity, onnxAxis, toLayout, type Value, type ValueRef } from './value.js';

/** ONNX IR version for each opset we write (the IR version that shipped with that opset). */
export const IR_VERSION_FOR_OPSET: Record<number, number> = { 13: 7, 14: 7, 15: 8, 16: 8, 17: 8 };
export const DEFAULT_OPSET = 13;

type TfLayer = tfl.layers.Layer;

interface Resolved {
  opset: number;
  inputLayout: 'nhwc' | 'nchw';
  probabilities: boolean;
  temperature: number | undefined;
  bake: boolean;
  foldBn: boolean;
}

function resolveOptions(opts: ExportOptions): Resolved {
  const opset = opts.opset ?? DEFAULT_OPSET;
  if (!(opset in IR_VERSION_FOR_OPSET)) {
    throw new IcmixError(`opset ${opset} is not supported; choose an integer from 13 to 17`);
  }
  const inputLayout = opts.inputLayout ?? 'nhwc';
  if (inputLayout !== 'nhwc' && inputLayout !== 'nchw') {
    throw new IcmixError(`input layout '${String(inputLayout)}' is not supported; choose nhwc or nchw`);
  }
  const t = opts.temperature;
  if (t !== undefined && !(Number.isFinite(t) && t > 0)) {
    throw new IcmixError(`temperature must be a positive number, got ${t}`);
  }
  if (opts.bakeNormalization && !opts.normalization) {
    throw new IcmixError('bakeNormalization needs the normalisation (mean/std) to bake: pass `normalization`');
  }
  return {
    opset,
    inputLayout,
    probabilities: opts.probabilities === true,
    temperature: t,
    bake: opts.bakeNormalization === true,
    foldBn: opts.foldBatchNorm !== false,
  };
}

/** tfjs weights of a layer by short name ('kernel', 'bias', 'gamma', 'moving_mean', ...). */
function layerWeights(layer: TfLayer): Map<string, Weight> {
  const out = new Map<string, Weight>();
  const values = layer.getWeights();
  layer.weights.forEach((w, i) => {
    const key = (w.originalName ?? w.name).split('/').pop()!.replace(/:\d+$/, '');
    out.set(key, { data: Float32Array.from(values[i].dataSync() as Float32Array), dims: [...values[i].shape] });
  });
  return out;
}

/**
 * Convert a tfjs LayersModel (sequential or functional, nested models included) into an ONNX
 * ModelProto. Walks from the model outputs back through each layer's inbound nodes, converting
 * every layer application once; see value.ts for how NHWC/NCHW layouts are tracked.
 */
export function buildOnnxModel(model: tfl.LayersModel, opts: ExportOptions = {}): ModelProto {
  const o = resolveOptions(opts);
  const b = new GraphBuilder();
  const weightCache = new Map<TfLayer, Map<string, Weight>>();
  const paramCache = new Map<string, string>();
  const layerIds = new Map<TfLayer, number>();

  const weightsOf = (layer: TfLayer) => {
    let w = weightCache.get(layer);
    if (!w) weightCache.set(layer, (w = layerWeights(layer)));
    return w;
  };

  // Graph inputs.
  if (model.inputs.length !== 1 && o.inputLayout === 'nchw') {
    throw new IcmixError(`inputLayout 'nchw' needs a model with one image input; this model has ${model.inputs.length} inputs`);
  }
  const top = new Map<number, Value>();
  const inputInfos = model.inputs.map((t, i) => {
    const rank = t.shape.length;
    const name = b.reserve(model.inputs.length === 1 ? 'input' : t.sourceLayer.name.replace(/[^A-Za-z0-9_]/g, '_') || `input_${i}`);
    let perm = identity(rank);
    if (o.inputLayout === 'nchw') {
      if (rank !== 4) throw new IcmixError(`inputLayout 'nchw' needs a rank-4 image input; the model input '${t.sourceLayer.name}' has shape [${t.shape}]`);
      perm = channelsFirstPerm(4);
    }
    const dims = perm.map((a) => (a === 0 ? t.shape[0] ?? 'batch' : t.shape[a] ?? `${name}_d${a}`));
    let v: Value = { name, shape: [...t.shape], perm };
    if (o.bake) v = bakeNormalization(b, v, opts);
    top.set(t.id, v);
    return tensorValueInfo(name, dims);
  });

  // A softmax at the very end is left out, so the output is real logits (consumers apply softmax).
  const strip = findTrailingSoftmax(model);

  // Walk the layer graph.
  const resolve = (t: SymbolicTensor, scope: Map<number, Value>): Value => {
    const hit = scope.get(t.id);
    if (hit) return hit;
    const layer = t.sourceLayer as TfLayer;
    const className = layer.getClassName();
    const node = layer.inboundNodes[t.nodeIndex];
    if (!node || className === 'InputLayer') {
      throw new IcmixError(`layer '${layer.name}' (${className}) is an input the exporter could not connect; export the whole model, not a part of it`);
    }
    if (strip?.kind === 'layer' && layer === strip.layer) {
      const v = resolve(node.inputTensors[0], scope);
      scope.set(t.id, v);
      return v;
    }
    const inputs = node.inputTensors.map((x) => resolve(x, scope));
    let outs: ValueRef[];
    if (layer instanceof tfl.LayersModel) {
      // A model used as a layer: bind its inputs and walk its own graph in a fresh scope.
      const inner = new Map<number, Value>();
      layer.inputs.forEach((x, i) => inner.set(x.id, inputs[i]));
      outs = layer.outputs.map((x) => resolve(x, inner));
    } else {
      outs = convertLayer(layer, className, inputs, node.outputTensors);
    }
    node.outputTensors.forEach((x, i) => scope.set(x.id, { ...outs[i], shape: [...x.shape] }));
    const out = scope.get(t.id);
    if (!out) throw new Error(`internal error: layer '${layer.name}' did not produce tensor ${t.name}`);
    return out;
  };

  const convertLayer = (layer: TfLayer, className: string, inputs: Value[], outputs: SymbolicTensor[]): ValueRef[] => {
    const conv = layerConverter(className);
    if (!conv) {
      throw new IcmixError(
        `layer '${layer.name}' (class ${className}) is not supported by the ONNX exporter. Supported layer classes: ${supportedLayers().join(', ')}`,
      );
    }
    let id = layerIds.get(layer);
    if (id === undefined) layerIds.set(layer, (id = layerIds.size));
    const unsupported = (option: string, hint?: string): never => {
      throw new IcmixError(
        `layer '${layer.name}' (class ${className}): ${option} is not supported by the ONNX exporter${hint ? `; ${hint}` : ''}`,
      );
    };
    const ctx: LayerContext = {
      b,
      layer,
      className,
      name: layer.name,
      config: layer.getConfig() as Record<string, unknown>,
      inputs,
      outputShapes: outputs.map((x) => [...x.shape]),
      toLayout: (v, perm) => toLayout(b, v, perm),
      weight: (key) => weightsOf(layer).get(key),
      param: (key, transform) => {
        const cacheKey = `${id}/${key}`;
        const hit = paramCache.get(cacheKey);
        if (hit) return hit;
        const w = weightsOf(layer).get(key);
        if (!w) return unsupported(`a missing '${key}' weight`);
        const t = transform ? transform(w) : w;
        const name = b.floatTensor(`${layer.name}/${key}`, t.data, t.dims);
        paramCache.set(cacheKey, name);
        return name;
      },
      activation: (v, identifier) => {
        let idName = identifier === undefined || identifier === null ? 'linear' : String(identifier);
        if (strip?.kind === 'activation' && layer === strip.layer && idName === 'softmax') idName = 'linear';
        if (!hasActivation(idName)) {
          unsupported(`activation '${idName}'`, `supported activations: ${listActivations().join(', ')}`);
        }
        return emitActivation(b, v, idName, idName === 'linear' ? layer.name : `${layer.name}/${idName}`);
      },
      unsupported,
    };
    const outs = conv.convert(ctx);
    if (outs.length !== outputs.length) unsupported(`${outputs.length} outputs`);
    return outs;
  };

  const outValues = model.outputs.map((t) => resolve(t, top));

  // Heads: back to tfjs order, optional temperature and softmax, then the output names.
  const outputNames: string[] = [];
  const outputInfos = outValues.map((v, i) => {
    const rank = v.shape.length;
    let x = toLayout(b, v, identity(rank));
    let name = x.name;
    if (o.temperature !== undefined) name = b.node('Div', [name, b.floatConst('temperature', [o.temperature], [])], {}, 'scaled_logits');
    if (o.probabilities) name = b.node('Softmax', [name], { axis: { int: onnxAxis(x, -1) } }, 'softmax');
    const wanted = (o.probabilities ? 'probabilities' : 'logits') + (outValues.length > 1 ? `_${i}` : '');
    // Rename the producing node's output; a graph input or a value already named as an output needs an Identity.
    if (!b.producer(name) || outputNames.includes(name)) name = b.node('Identity', [name], {}, `${wanted}/identity`);
    b.rename(name, wanted);
    x = { ...x, name: wanted };
    outputNames.push(wanted);
    return tensorValueInfo(wanted, v.shape.map((d, a) => d ?? (a === 0 ? 'batch' : `${wanted}_d${a}`)));
  });

  if (o.foldBn) foldBatchNorm(b, new Set(outputNames));
  b.pruneInitializers();

  const firstShape = model.inputs[0].shape;
  const metadata: Record<string, string> = {
    [META.inputLayout]: o.inputLayout === 'nchw' ? 'NCHW' : 'NHWC',
    [META.output]: o.probabilities ? 'probabilities' : 'logits',
    [META.temperature]: String(o.temperature ?? 1),
    [META.normalizationBaked]: String(o.bake),
    [META.version]: ICMIX_VERSION,
  };
  if (firstShape.length === 4) metadata[META.inputShape] = JSON.stringify(firstShape.slice(1));
  if (opts.normalization) metadata[META.normalization] = JSON.stringify(opts.normalization);
  if (strip) metadata[META.softmaxStripped] = 'true';
  Object.assign(metadata, opts.metadata ?? {});

  return {
    irVersion: IR_VERSION_FOR_OPSET[o.opset],
    opsetImport: [{ domain: '', version: o.opset }],
    producerName: 'icmix',
    producerVersion: ICMIX_VERSION,
    graph: {
      name: model.name || 'icmix',
      node: b.toNodeProtos(),
      initializer: b.toTensorProtos(),
      input: inputInfos,
      output: outputInfos,
    },
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  };
}

/** (x - mean) / std on the raw input, per channel (the last tfjs axis), in the input's layout. */
function bakeNormalization(b: GraphBuilder, v: Value, opts: ExportOptions): Value {
  const norm = opts.normalization!;
  const rank = v.shape.length;
  const channels = v.shape[rank - 1];
  const { mean, std } = norm;
  if (mean.length !== std.length || (mean.length !== 1 && mean.length !== channels)) {
    throw new IcmixError(
      `normalization has ${mean.length} means and ${std.length} stds but the model input has ${channels} channels; give one value or one per channel`,
    );
  }
  if (std.some((s) => !(s > 0))) throw new IcmixError(`normalization std must be positive, got [${std}]`);
  const axis = onnxAxis(v, -1);
  const dims = mean.length === 1 ? [] : broadcastDims(mean.length, axis, rank);
  const centred = b.node('Sub', [v.name, b.floatConst('norm_mean', mean, dims)], {}, 'input_centred');
  const scaled = b.node('Div', [centred, b.floatConst('norm_std', std, dims)], {}, 'input_normalized');
  return { ...v, name: scaled };
}

/** Convert a tfjs LayersModel to ONNX bytes (see ExportOptions). */
export function exportOnnx(model: tfl.LayersModel, opts: ExportOptions = {}): Uint8Array {
  return encodeModel(buildOnnxModel(model, opts));
}
