import { IcmixError } from '../util/errors.js';
import { AttributeType, DataType, type GraphProto, type ModelProto, type NodeProto, type TensorProto } from './schema.js';

/** Edits of a decoded ONNX model that calibration (and any later stage) makes without re-exporting. */

/** Every node, value and initializer name in the graph, so appended nodes and values get fresh ones. */
function usedNames(g: GraphProto): Set<string> {
  const used = new Set<string>();
  for (const n of g.node ?? []) for (const v of [n.name ?? '', ...(n.input ?? []), ...(n.output ?? [])]) used.add(v);
  for (const t of g.initializer ?? []) used.add(t.name ?? '');
  for (const v of [...(g.input ?? []), ...(g.output ?? [])]) used.add(v.name ?? '');
  return used;
}

function fresh(used: Set<string>, base: string): string {
  let name = base;
  for (let i = 1; used.has(name); i++) name = `${base}_${i}`;
  used.add(name);
  return name;
}

/**
 * The floor under probabilities before their log (the smallest normal float32): a probability
 * that underflowed to 0 becomes a logit of about -87 instead of -inf, which would make the
 * validation NLL infinite. Calibration applies the same floor to the logits it fits on.
 */
export const PROBABILITY_FLOOR = 1.1754943508222875e-38;

export interface TemperatureHeadOptions {
  /**
   * The output is probabilities (a model made elsewhere that ends in a softmax): take
   * log(max(p, PROBABILITY_FLOOR)) as its logits first. log p = z - logsumexp(z) differs from the
   * logits z by one constant per row, which softmax(· / T) ignores, so this is exact.
   */
  fromProbabilities?: boolean;
}

/**
 * `model` with Div by `temperature` and Softmax over the last axis appended to its one output,
 * which becomes `probabilities` ([batch, classes]; an output of another rank is flattened to that
 * first); with `fromProbabilities`, Max with
 * PROBABILITY_FLOOR and Log come first. Every metadata entry is kept; `metadata` entries are added
 * or replace existing ones. The input model is not changed.
 */
export function appendTemperatureSoftmax(model: ModelProto, temperature: number, metadata: Record<string, string> = {}, opts: TemperatureHeadOptions = {}): ModelProto {
  if (!(Number.isFinite(temperature) && temperature > 0)) throw new IcmixError(`temperature must be a positive number, got ${temperature}`);
  const g = model.graph;
  if (!g || (g.output ?? []).length !== 1) {
    throw new IcmixError(`the model has ${g?.output?.length ?? 0} graph outputs; appending a temperature and softmax needs exactly one (the logits)`);
  }
  const used = usedNames(g);
  const logits = g.output![0];
  const tName = fresh(used, 'calibration/temperature');
  const scaled = fresh(used, 'scaled_logits');
  const probs = fresh(used, 'probabilities');
  const merged = new Map((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  for (const [k, v] of Object.entries(metadata)) merged.set(k, v);
  const logHead: NodeProto[] = [];
  const logInits: TensorProto[] = [];
  let divInput = logits.name ?? '';
  // A head of rank other than 2 (e.g. [N, C, 1, 1] from a conv without Flatten): flatten to
  // [N, classes] first, or the Softmax over its last axis would normalise over a size-1 axis.
  const dims = logits.type?.tensorType?.shape?.dim;
  let outType = logits.type;
  if (dims && dims.length !== 2) {
    const flat = fresh(used, 'flat_logits');
    logHead.push({ opType: 'Flatten', input: [divInput], output: [flat], name: fresh(used, 'calibration/Flatten'), attribute: [{ name: 'axis', type: AttributeType.INT, i: 1 }] });
    divInput = flat;
    const rest = dims.slice(1).map((d) => (d.dimValue !== undefined && d.dimValue !== null ? Number(d.dimValue) : NaN));
    const classes = rest.reduce((a, b) => a * b, 1);
    const classDim = Number.isFinite(classes) ? { dimValue: classes } : { dimParam: 'classes' };
    outType = { ...logits.type, tensorType: { ...logits.type!.tensorType, shape: { dim: [dims[0] ?? { dimParam: 'batch' }, classDim] } } };
  }
  if (opts.fromProbabilities) {
    // Max broadcasts a scalar from opset 8 on.
    const opset = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx')?.version;
    if (opset !== undefined && Number(opset) < 8) throw new IcmixError(`the model uses ONNX opset ${opset}; taking the log of its probabilities needs opset 8 or later`);
    const floor = fresh(used, 'calibration/probability_floor');
    const floored = fresh(used, 'floored_probabilities');
    const logged = fresh(used, 'log_probabilities');
    logInits.push({ name: floor, dims: [], dataType: DataType.FLOAT, rawData: new Uint8Array(Float32Array.of(PROBABILITY_FLOOR).buffer) });
    logHead.push(
      { opType: 'Max', input: [divInput, floor], output: [floored], name: fresh(used, 'calibration/Max') },
      { opType: 'Log', input: [floored], output: [logged], name: fresh(used, 'calibration/Log') },
    );
    divInput = logged;
  }
  return {
    ...model,
    graph: {
      ...g,
      node: [
        ...(g.node ?? []),
        ...logHead,
        { opType: 'Div', input: [divInput, tName], output: [scaled], name: fresh(used, 'calibration/Div') },
        // axis -1: the class axis of [batch, classes] under every opset's Softmax semantics.
        { opType: 'Softmax', input: [scaled], output: [probs], name: fresh(used, 'calibration/Softmax'), attribute: [{ name: 'axis', type: AttributeType.INT, i: -1 }] },
      ],
      initializer: [...(g.initializer ?? []), ...logInits, { name: tName, dims: [], dataType: DataType.FLOAT, rawData: new Uint8Array(Float32Array.of(temperature).buffer) }],
      output: [{ ...logits, name: probs, type: outType }],
    },
    metadataProps: [...merged].map(([key, value]) => ({ key, value })),
  };
}
