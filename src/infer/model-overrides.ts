/**
 * Models made elsewhere (PyTorch, Keras, ...): what icmix's metadata would say, given as flags
 * (`--input-layout`, `--mean`, `--std`, `--input-range`, `--output`, `--class-names`). Metadata
 * is read first, each flag overrides it (a differing value is reported as a note), and without
 * either the input layout is read off the graph input when its dims leave no doubt.
 */
import { promises as fs } from 'node:fs';
import { META } from '../types.js';
import { IcmixError } from '../util/errors.js';
import { checkOptions, type RuleTable } from '../util/ranges.js';
import { checkCalibratedSource } from './calibrated-source.js';
import { readOnnxHeader, type GraphDims, type OnnxHeader } from '../onnx/index.js';
import { modelInfoFromHeader, notAModel, UNSETTLED_HEADS, type ModelInfo } from './model-info.js';

export const INPUT_LAYOUTS = ['NHWC', 'NCHW'] as const;
export const INPUT_RANGES = ['0-1', '0-255'] as const;
export const OUTPUT_KINDS = ['logits', 'probabilities'] as const;
export type InputRange = (typeof INPUT_RANGES)[number];

/** Metadata key a model may carry for its pixel range (icmix's own models are 0-1, and say nothing). */
export const INPUT_RANGE_META = 'icmix.input_range';

export interface ModelOverrides {
  inputLayout?: 'NHWC' | 'NCHW';
  /** Per-channel mean, in the units of the input range; one value is used for every channel. */
  mean?: number[];
  /** Per-channel std (> 0), same units; one value is used for every channel. */
  std?: number[];
  /** Pixels are scaled to this range before (x - mean) / std. */
  inputRange?: InputRange;
  output?: 'logits' | 'probabilities';
  classNames?: string[];
  /** false (--no-normalize): the model takes pixels in the input range as they are, no mean/std. */
  normalize?: false;
}

/** A mean is of pixel values in the input range (at most 0-255), so larger magnitudes are typos. */
export const MODEL_OVERRIDE_RULES: RuleTable<ModelOverrides> = {
  mean: { type: 'number', min: -255, max: 255, list: true },
  std: { type: 'number', min: 0, exclusiveMin: true, list: true },
};

/** Which flag sets which metadata key, for notes and error messages. */
const FLAG_OF = {
  inputLayout: '--input-layout',
  normalization: '--mean/--std',
  inputRange: '--input-range',
  output: '--output',
  classNames: '--class-names',
} as const;

export interface LoadedModelInfo {
  info: ModelInfo;
  /** The graph's image input as declared, e.g. ['N', 1, 28, 28] (null when it has no shape). */
  graphInput: GraphDims | null;
  /** The graph's output names, in order: icmix reads the first. */
  graphOutputs: string[];
  /** Where the input layout came from. */
  layoutFrom: 'metadata' | 'flag' | 'graph' | 'default';
  /** A flag that overrode different metadata, or a layout read off the graph: for people. */
  notes: string[];
}

/**
 * 'NCHW' or 'NHWC' when a 4-d input's dims say so unambiguously (channels 1, 3 or 4 on exactly
 * one side, e.g. [N, 3, 224, 224] or [N, 28, 28, 1]), else undefined ([N, 3, 4, 4]).
 */
export function layoutFromDims(dims: GraphDims | null): 'NHWC' | 'NCHW' | undefined {
  if (!dims || dims.length !== 4) return undefined;
  const isC = (d: number | string) => d === 1 || d === 3 || d === 4;
  // A reading that makes several channels of a one-pixel-wide image ([N, 4, 4, 1] as NCHW) is no image.
  const side = (d: number | string) => typeof d !== 'number' || d > 1;
  const nchw = isC(dims[1]) && (dims[1] === 1 || (side(dims[2]) && side(dims[3])));
  const nhwc = isC(dims[3]) && (dims[3] === 1 || (side(dims[1]) && side(dims[2])));
  if (nchw && !nhwc) return 'NCHW';
  if (nhwc && !nchw) return 'NHWC';
  return undefined;
}

/** Per-channel values: one value broadcast to every channel, else exactly `c` of them. */
function perChannel(v: number[] | undefined, fill: number, c: number, flag: string, file: string): number[] {
  if (!v || v.length === 0) return new Array(c).fill(fill);
  if (v.length === 1) return new Array(c).fill(v[0]);
  if (v.length !== c) throw new IcmixError(`${flag} has ${v.length} values but ${file} takes ${c} channel(s); give one value per channel, or one for all`);
  return v;
}

/** ModelInfo from a parsed header with `overrides` applied (pure: the file is only named in messages). */
export function applyModelOverrides(header: OnnxHeader, file: string, overrides: ModelOverrides = {}): LoadedModelInfo {
  checkOptions(overrides, MODEL_OVERRIDE_RULES, 'model overrides');
  const meta = { ...header.metadata };
  const notes: string[] = [];
  const set = (key: string, value: string, flag: string) => {
    if (meta[key] !== undefined && meta[key] !== value) notes.push(`${flag} ${value.length > 60 ? `${value.slice(0, 57)}...` : value} overrides the model's metadata ${key} = ${meta[key]}`);
    meta[key] = value;
  };
  const graphInput = header.inputs.length === 1 ? header.inputs[0].dims : null;
  const graphOutputs = header.outputs.map((o) => o.name);
  if (graphOutputs.length > 1) notes.push(`${file} has ${graphOutputs.length} outputs (${graphOutputs.join(', ')}); icmix reads the first, ${graphOutputs[0]}`);
  let layoutFrom: LoadedModelInfo['layoutFrom'] = meta[META.inputLayout] !== undefined ? 'metadata' : 'default';
  if (overrides.inputLayout) {
    set(META.inputLayout, overrides.inputLayout, FLAG_OF.inputLayout);
    layoutFrom = 'flag';
  } else if (layoutFrom === 'default' && meta[META.inputShape] === undefined) {
    const guess = layoutFromDims(graphInput);
    if (guess) {
      meta[META.inputLayout] = guess;
      layoutFrom = 'graph';
      if (guess === 'NCHW') notes.push(`${file} has no layout metadata; its input [${graphInput}] reads as NCHW (pass --input-layout NHWC if it is not)`);
    } else if (graphInput?.length === 4 && graphInput.slice(1).every((d) => typeof d === 'number')) {
      // [N, 3, 4, 4] is 3 channels of 4x4 or 4 channels of 3x4: a guess would be wrong half the time.
      const [, a, b, c] = graphInput as number[];
      throw new IcmixError(
        `${file} has no layout metadata and its input [${graphInput}] reads either way (NCHW: ${a} channel(s) of ${b}x${c}; NHWC: ${c} channel(s) of ${a}x${b}); ` +
          `say which with --input-layout NCHW (PyTorch's) or --input-layout NHWC (Keras')`,
      );
    }
  }
  if (overrides.output) {
    // Checked here so the error names the flag (model info would blame the metadata it sets).
    const last = header.outputProducers[0] || 'none';
    if (overrides.output === 'probabilities' && last !== 'Softmax' && !UNSETTLED_HEADS.includes(last)) {
      throw new IcmixError(`${file}: --output probabilities, but the graph's last node is ${last}, not a Softmax, so its output is not probabilities; leave --output out (icmix then applies softmax itself)`);
    }
    if (overrides.output === 'logits' && last === 'Softmax') {
      throw new IcmixError(`${file}: --output logits, but the graph ends in a Softmax, so its output is probabilities (softmax would be applied twice); leave --output out, or pass --output probabilities`);
    }
    set(META.output, overrides.output, FLAG_OF.output);
  }
  if (overrides.classNames) {
    const out = header.outputs[0]?.dims;
    const k = out && out.length === 2 && typeof out[1] === 'number' ? out[1] : undefined;
    if (k !== undefined && overrides.classNames.length !== k) {
      throw new IcmixError(`--class-names names ${overrides.classNames.length} classes but ${file} outputs ${k}; give one name per output, in output order`);
    }
    set(META.classNames, JSON.stringify(overrides.classNames), FLAG_OF.classNames);
  }
  if (overrides.mean || overrides.std) {
    // The channel count comes from the model (metadata or graph), so parse it without these first.
    const probe = { ...meta };
    delete probe[META.normalization];
    const c = modelInfoFromHeader({ ...header, metadata: probe }, file).inputShape[2];
    const norm = { mean: perChannel(overrides.mean, 0, c, '--mean', file), std: perChannel(overrides.std, 1, c, '--std', file) };
    set(META.normalization, JSON.stringify(norm), FLAG_OF.normalization);
    if (meta[META.normalizationBaked] === 'true') {
      notes.push(`${file} records that its graph normalises itself (${META.normalizationBaked} = true); --mean/--std normalise its input as well`);
      meta[META.normalizationBaked] = 'false';
    }
  }
  if (overrides.normalize === false) {
    if (overrides.mean || overrides.std) throw new IcmixError(`--no-normalize says ${file} takes its pixels as they are, --mean/--std say it takes them normalised; give one or the other`);
    // Recorded as metadata would say it, so a calibrated copy carries the statement on.
    set(META.normalization, 'null', '--no-normalize');
    if (meta[META.normalizationBaked] === 'true') meta[META.normalizationBaked] = 'false';
  }
  if (meta[META.normalization] === undefined && meta[META.normalizationBaked] === undefined) {
    // Raw 0-1 pixels fed to a model trained on normalised ones give confident nonsense, with no sign.
    throw new IcmixError(
      `${file} records no input normalisation (no ${META.normalization} metadata: not a model icmix exported) and none was given: ` +
        `pass the per-channel --mean and --std the model was trained with, in --input-range units (torchvision's ImageNet models: --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225), ` +
        `or --no-normalize if it takes the pixels as they are`,
    );
  }
  if (overrides.inputRange) set(INPUT_RANGE_META, overrides.inputRange, FLAG_OF.inputRange);
  const range = meta[INPUT_RANGE_META] ?? '0-1';
  if (!(INPUT_RANGES as readonly string[]).includes(range)) throw new IcmixError(`${file}: metadata ${INPUT_RANGE_META} is '${range}', expected ${INPUT_RANGES.join(' or ')}`);
  checkNormalizationUnits(overrides, range as InputRange, notes);
  const info = modelInfoFromHeader({ ...header, metadata: meta }, file);
  return { info: { ...info, inputScale: range === '0-255' ? 255 : 1 }, graphInput, graphOutputs, layoutFrom, notes };
}

/**
 * --mean/--std are in --input-range units, and the two are easy to mix up (torchvision's
 * 0.485 with a 0-255 model, or 124 with the 0-1 default). A mean of 0-1 pixels outside [-1, 1]
 * cannot be, so it is refused; 0-1-sized values with 0-255 are only unlikely, so they are noted.
 */
function checkNormalizationUnits(o: ModelOverrides, range: InputRange, notes: string[]): void {
  if (!o.mean && !o.std) return;
  const mean = o.mean ?? [];
  const std = o.std ?? [];
  if (range === '0-1') {
    const bad = mean.find((m) => Math.abs(m) > 1);
    if (bad !== undefined) {
      throw new IcmixError(`--mean ${bad} is outside 0-1, the units of --input-range 0-1 (the default): for a model that takes 0-255 pixels pass --input-range 0-255, else give the mean in 0-1 units (divide it by 255)`);
    }
  } else if ([...mean, ...std].every((v) => Math.abs(v) <= 1) && [...mean, ...std].some((v) => v !== 0 && v !== 1)) {
    notes.push(`--mean/--std look like 0-1 values but --input-range is 0-255, their units: if the model was trained on 0-1 pixels leave --input-range out, else multiply them by 255`);
  }
}

/** Read an ONNX file's info with `overrides` applied. */
export async function loadModelInfo(file: string, overrides: ModelOverrides = {}): Promise<LoadedModelInfo> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    throw new IcmixError(`cannot read model ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pass an ONNX file (one written by \`icmix export\`, or any image classifier with the flags for models made elsewhere)`);
  }
  const empty = notAModel(bytes, file);
  if (empty) throw empty;
  let header: OnnxHeader;
  try {
    header = readOnnxHeader(bytes);
  } catch (e) {
    throw new IcmixError(`${file} is not a readable ONNX model (${(e as Error).message})`);
  }
  const loaded = applyModelOverrides(header, file, overrides);
  await checkCalibratedSource(file, header.metadata);
  return loaded;
}

/** Class names from a file: a JSON array of strings, or one name per line (blank lines ignored). */
export async function readClassNamesFile(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new IcmixError(`cannot read --class-names ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const t = text.trim();
  if (t.startsWith('[')) {
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch (e) {
      throw new IcmixError(`--class-names ${file} starts with '[' but is not valid JSON (${(e as Error).message}); write a JSON array of strings or one name per line`);
    }
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new IcmixError(`--class-names ${file} must be a JSON array of strings`);
    return v;
  }
  const names = t.split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new IcmixError(`--class-names ${file} is empty; write one class name per line`);
  return names;
}

/**
 * The error for data of shape `data` ([H, W, C]) that `loaded`'s model does not take, naming the
 * mismatch and the flag that fixes it, if one does; undefined when they fit.
 */
export function shapeMismatch(datasetName: string, data: readonly number[], loaded: LoadedModelInfo, verb: 'evaluate' | 'calibrate' = 'evaluate'): string | undefined {
  const { info, graphInput } = loaded;
  const want = info.inputShape;
  if (data.join() === want.join()) return undefined;
  const graph = graphInput ? `[${graphInput}]` : 'with no declared shape';
  const head = `${datasetName} images are [${data}] (H, W, C) but ${info.path} takes [${want}] (its input ${graph} read as ${info.inputLayout}, from ${loaded.layoutFrom === 'flag' ? '--input-layout' : loaded.layoutFrom === 'default' ? 'the NHWC default' : `the ${loaded.layoutFrom}`})`;
  const other = info.inputLayout === 'NHWC' ? 'NCHW' : 'NHWC';
  if (graphInput && graphInput.length === 4) {
    const d = graphInput;
    const asOther = other === 'NCHW' ? [d[2], d[3], d[1]] : [d[1], d[2], d[3]];
    if (asOther.join() === data.join()) return `${head}; read as ${other} it fits: pass --input-layout ${other}`;
  }
  if (data[0] === want[0] && data[1] === want[1]) {
    return `${head}: the model takes ${want[2]} channel(s), the data has ${data[2]}; ${verb} on data with ${want[2]} channel(s) (no flag converts them)`;
  }
  return `${head}: the model takes ${want[1]}x${want[0]} pixels (width x height), the data is ${data[1]}x${data[0]}; ${verb} on a dataset of that size (a folder:<dir> dataset is resized to it; no flag resizes the others)`;
}

/**
 * The error when the data's class names sit at other indices of the model's class names, so every
 * label would be read as another class (a folder dataset's labels are its sorted folder names);
 * undefined when they agree, or share no name (unnamed classes, or names that are only spelled
 * differently: nothing to go on).
 */
export function classOrderMismatch(datasetName: string, dataNames: readonly string[], modelNames: readonly string[], model: string): string | undefined {
  const at = new Map(modelNames.map((n, i) => [n, i]));
  for (let i = 0; i < dataNames.length; i++) {
    const j = at.get(dataNames[i]);
    if (j === undefined || j === i) continue;
    return (
      `${datasetName}'s class ${i} is ${dataNames[i]} but ${model}'s output ${i} is ${modelNames[i] ?? '(none)'} (${dataNames[i]} is its output ${j}), so every label would be read as another class; ` +
      `the data's classes in order: ${dataNames.join(', ')}; the model's: ${modelNames.join(', ')}. ` +
      `If the model's names are right, make the data's order match (a folder dataset's classes are its folder names, sorted: rename them, e.g. 00_${modelNames[0]}); if they are wrong, pass --class-names in the model's output order`
    );
  }
  return undefined;
}
