import { promises as fs } from 'node:fs';
import { DATA_TYPE_NAMES, DataType, readOnnxHeader, type OnnxHeader } from '../onnx/index.js';
import { META, type ImageShape, type Normalization } from '../types.js';
import { IcmixError } from '../util/errors.js';
import type { InputSpec } from './preprocess.js';


/**
 * What eval, calibrate and serve need to know about an ONNX model, read from icmix's metadata
 * (META keys) and, where metadata is silent, from the graph's input/output shapes. With this a
 * user needs only the .onnx file and the images.
 */

/** The OOD threshold `icmix calibrate` stores: accept as in-distribution when score >= threshold. */
export interface OodThreshold {
  score: string;
  threshold: number;
  /** The in-distribution TPR the threshold was chosen for on the validation split. */
  tpr?: number;
}

/** The input fields (shape, layout, normalisation) are preprocessing's InputSpec. */
export interface ModelInfo extends InputSpec {
  /** The .onnx file as given. */
  path: string;
  classNames: string[];
  numClasses: number;
  /** What the graph's output holds. Any temperature is already applied inside the graph. */
  output: 'logits' | 'probabilities';
  /** op_type producing the output, through shape-only and order-keeping ops ('Softmax' for a probability head). */
  outputProducer?: string;
  /** Temperature applied in the graph (1 when uncalibrated). */
  temperature: number;
  oodThreshold: OodThreshold | null;
  method?: string;
  dataset?: string;
  version?: string;
  /** A fixed batch dimension of the graph input, or null when it is dynamic. */
  batchDim: number | null;
  /** Every metadata_props entry as stored. */
  metadata: Record<string, string>;
}

function parseJson<T>(meta: Record<string, string>, key: string, file: string): T | undefined {
  if (meta[key] === undefined) return undefined;
  try {
    return JSON.parse(meta[key]) as T;
  } catch {
    throw new IcmixError(`${file}: metadata ${key} is not valid JSON (${meta[key].slice(0, 60)}); re-export the model with \`icmix export\``);
  }
}

/**
 * Last ops that may compute normalised rows without a Softmax node (softmax written out as
 * exp(x) / sum, or times 1 / sum): the graph does not settle what such an output is, so a claim
 * of probabilities is taken, and checked on the first outputs (output-check.ts).
 */
export const UNSETTLED_HEADS = ['Div', 'Mul'];

/**
 * What the graph outputs: the metadata says so for icmix's files; for a model from elsewhere a
 * final Softmax node means probabilities, so no consumer applies softmax a second time.
 */
function outputKind(header: OnnxHeader, file: string): ModelInfo['output'] {
  const declared = header.metadata[META.output];
  const endsInSoftmax = header.outputProducers[0] === 'Softmax';
  const unsettled = UNSETTLED_HEADS.includes(header.outputProducers[0] ?? '');
  if (declared === undefined) return endsInSoftmax ? 'probabilities' : 'logits';
  if (declared !== 'logits' && declared !== 'probabilities') {
    throw new IcmixError(`${file}: metadata ${META.output} is '${declared}', expected logits or probabilities`);
  }
  if (declared === 'logits' && endsInSoftmax) {
    // An export made before icmix stripped a trailing softmax: its "logits" are probabilities.
    throw new IcmixError(
      `${file}: metadata ${META.output} says logits but the graph's last node is a Softmax, so its output is probabilities; ` +
        `re-export the run with \`icmix export\` (which now leaves a trailing softmax out of the graph), or set ${META.output}=probabilities in the metadata`,
    );
  }
  if (declared === 'probabilities' && !endsInSoftmax && !unsettled) {
    // Raw scores read as probabilities would give wrong confidences, ECE and NLL without a sign.
    throw new IcmixError(
      `${file}: metadata ${META.output} says probabilities but the graph's last node is ${header.outputProducers[0] || 'none'}, not a Softmax, so its output is not probabilities; ` +
        `set ${META.output}=logits (icmix then applies softmax itself), or re-export with \`icmix export --probabilities\``,
    );
  }
  return declared;
}

/**
 * The temperature the graph applies, checked against the metadata: icmix's files divide the
 * logits by it in the graph (export --temperature, calibrate), so a metadata temperature without
 * that Div, or a Div by another value, means the reported or fitted temperature would be wrong.
 */
function graphTemperature(header: OnnxHeader, output: ModelInfo['output'], file: string): number {
  const raw = header.metadata[META.temperature];
  const temperature = raw !== undefined ? Number(raw) : 1;
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new IcmixError(`${file}: metadata ${META.temperature} is '${raw}', expected a positive number`);
  if (raw === undefined) return 1; // a model from elsewhere claims nothing
  const inGraph = header.outputDivisors[0] ?? null;
  if (inGraph === null && temperature !== 1) {
    throw new IcmixError(
      `${file}: metadata ${META.temperature} is ${raw} but the graph divides its ${output} by no temperature (no Div by a constant before the output), so they are not at that temperature; ` +
        `export with \`icmix export --temperature ${raw}\` or calibrate with \`icmix calibrate\`, or set ${META.temperature}=1`,
    );
  }
  if (inGraph !== null && Math.abs(inGraph - temperature) > 1e-6 * Math.max(1, temperature)) {
    throw new IcmixError(
      `${file}: metadata ${META.temperature} is ${raw} but the graph divides its ${output} by ${inGraph}; ` +
        `set ${META.temperature}=${inGraph} or re-export the run with \`icmix export\``,
    );
  }
  return temperature;
}

/** Why a model has no usable [H, W, C], in terms of what its graph input declares. */
function noImageShape(file: string, dims: (number | string)[] | null): string {
  const fix = `icmix feeds images as [N, H, W, C] or [N, C, H, W] with fixed height, width and channels`;
  if (dims && dims.length === 4) {
    return `${file}: its input [${dims}] leaves the image size open; ${fix}: export the model with them fixed (PyTorch: torch.onnx.export with dynamic_axes for the batch only), or give ${META.inputShape} = [H, W, C] in its metadata`;
  }
  if (dims) {
    return `${file}: its input [${dims}] is not an image batch; ${fix}: export the model with a Reshape from the image to what it takes at the start of the graph`;
  }
  return `${file}: no image input shape [H, W, C] in metadata (${META.inputShape}) or in the graph input; export the model with \`icmix export\`, or with its input shape declared`;
}

/** ModelInfo from the parsed header; `file` names the model in error messages. */
export function modelInfoFromHeader(header: OnnxHeader, file: string): ModelInfo {
  const meta = header.metadata;
  const layoutRaw = (meta[META.inputLayout] ?? 'NHWC').toUpperCase();
  if (layoutRaw !== 'NHWC' && layoutRaw !== 'NCHW') {
    throw new IcmixError(`${file}: metadata ${META.inputLayout} is '${meta[META.inputLayout]}', expected NHWC or NCHW`);
  }
  const inputLayout = layoutRaw as 'NHWC' | 'NCHW';
  if (header.inputs.length !== 1) {
    throw new IcmixError(`${file}: the graph has ${header.inputs.length} inputs; icmix evaluates image classifiers with exactly one image input`);
  }
  // onnxruntime hands other element types over as their own arrays (float16 as raw 16-bit words):
  // read as float32 they would give wrong numbers, fed float32 they fail deep in the runtime.
  const [input, out0] = [header.inputs[0], header.outputs[0]];
  if (input.elemType !== undefined && input.elemType !== DataType.FLOAT) {
    throw new IcmixError(`${file}: its input ${input.name} is ${DATA_TYPE_NAMES[input.elemType] ?? `type ${input.elemType}`}; icmix feeds float32 images: export the model with a float32 input (or put a Cast to its type at the graph's start)`);
  }
  if (out0?.elemType !== undefined && out0.elemType !== DataType.FLOAT) {
    throw new IcmixError(`${file}: its output ${out0.name} is ${DATA_TYPE_NAMES[out0.elemType] ?? `type ${out0.elemType}`}; icmix reads float32 outputs: export the model with a float32 output (or append a Cast to float32)`);
  }
  const inDims = header.inputs[0].dims;
  let inputShape = parseJson<ImageShape>(meta, META.inputShape, file);
  if (!inputShape && inDims && inDims.length === 4 && inDims.slice(1).every((d) => typeof d === 'number')) {
    const d = inDims as number[];
    inputShape = inputLayout === 'NCHW' ? [d[2], d[3], d[1]] : [d[1], d[2], d[3]];
  }
  if (!inputShape || inputShape.length !== 3 || !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new IcmixError(noImageShape(file, inDims));
  }
  const outDims = header.outputs[0]?.dims;
  const graphClasses = outDims && outDims.length === 2 && typeof outDims[1] === 'number' ? outDims[1] : undefined;
  const classNames = parseJson<string[]>(meta, META.classNames, file);
  const numClasses = classNames?.length ?? graphClasses;
  if (!numClasses) {
    throw new IcmixError(`${file}: cannot tell the number of classes (no ${META.classNames} metadata and the output shape is not [batch, classes])`);
  }
  if (graphClasses !== undefined && graphClasses !== numClasses) {
    throw new IcmixError(`${file}: metadata names ${numClasses} classes but the graph outputs ${graphClasses}; re-export the model`);
  }
  const normalization = parseJson<Normalization>(meta, META.normalization, file) ?? null;
  if (normalization && (normalization.mean?.length !== inputShape[2] || normalization.std?.length !== inputShape[2])) {
    throw new IcmixError(`${file}: metadata ${META.normalization} needs ${inputShape[2]} means and stds (one per channel)`);
  }
  const thr = parseJson<OodThreshold | number>(meta, META.oodThreshold, file);
  const batch = inDims?.[0];
  const output = outputKind(header, file);
  const temperature = graphTemperature(header, output, file);
  return {
    path: file,
    classNames: classNames ?? Array.from({ length: numClasses }, (_, i) => String(i)),
    numClasses,
    inputShape,
    inputLayout,
    normalization,
    normalizationBaked: meta[META.normalizationBaked] === 'true',
    output,
    outputProducer: header.outputProducers[0] ?? '',
    temperature,
    oodThreshold: thr === undefined ? null : typeof thr === 'number' ? { score: 'msp', threshold: thr } : thr,
    method: meta[META.method],
    dataset: meta[META.dataset],
    version: meta[META.version],
    batchDim: typeof batch === 'number' && batch > 0 ? batch : null,
    metadata: meta,
  };
}

/** Read an ONNX file's icmix metadata and input/output shapes. */
export async function readModelInfo(onnxPath: string): Promise<ModelInfo> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(onnxPath);
  } catch (e) {
    throw new IcmixError(`cannot read model ${onnxPath} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pass the .onnx written by \`icmix export\` or \`icmix calibrate\``);
  }
  return modelInfoFromBytes(bytes, onnxPath);
}

/** The error for a file that is not an ONNX model at all (empty: an interrupted copy or download), else undefined. */
export function notAModel(bytes: Uint8Array, file: string): IcmixError | undefined {
  if (bytes.length === 0) return new IcmixError(`${file} is an empty file (0 bytes), not an ONNX model: an interrupted copy, download or export? Export or copy it again`);
  return undefined;
}

export function modelInfoFromBytes(bytes: Uint8Array, file: string): ModelInfo {
  const empty = notAModel(bytes, file);
  if (empty) throw empty;
  let header: OnnxHeader;
  try {
    header = readOnnxHeader(bytes);
  } catch (e) {
    throw new IcmixError(`${file} is not a readable ONNX model (${(e as Error).message})`);
  }
  return modelInfoFromHeader(header, file);
}
