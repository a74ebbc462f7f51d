import type { ImageShape } from '../types.js';
import { BadInput } from './errors.js';

/** A parsed request: n images [n, h, w, c] in [0, 1] and whether the caller sent a batch. */
export interface ParsedInputs {
  images: Float32Array;
  n: number;
  batch: boolean;
}

function depthOf(v: unknown): number {
  let d = 0;
  while (Array.isArray(v)) {
    d++;
    v = v[0];
  }
  return d;
}

/** Copy a nested array of exactly `dims` into out at offset, checking every length and value. */
function fill(v: unknown, dims: number[], out: Float32Array, offset: number, where: string, hint: string): number {
  if (dims.length === 0) {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new BadInput(400, 'bad_value', `${where} is ${JSON.stringify(v)}; pixel values must be finite numbers in [0, 1]`);
    }
    if (v < 0 || v > 1) {
      throw new BadInput(400, 'bad_value', `${where} is ${v}; pixel values must be in [0, 1] (divide 8-bit values by 255)`);
    }
    out[offset] = v;
    return offset + 1;
  }
  if (!Array.isArray(v) || v.length !== dims[0]) {
    const got = Array.isArray(v) ? `length ${v.length}` : JSON.stringify(v)?.slice(0, 40);
    throw new BadInput(400, 'wrong_shape', `${where} has ${got} but should have length ${dims[0]} (${hint})`);
  }
  for (let i = 0; i < v.length; i++) offset = fill(v[i], dims.slice(1), out, offset, `${where}[${i}]`, hint);
  return offset;
}

/** The layouts a JSON body's pixel arrays may be in ("layout" in the body). */
export const JSON_LAYOUTS = ['NHWC', 'NCHW'] as const;
export type JsonLayout = (typeof JSON_LAYOUTS)[number];
/** What a nested array without "layout" is read as when its shape fits both or neither. */
export const DEFAULT_JSON_LAYOUT: JsonLayout = 'NHWC';

/** Lengths along the first element of each level: [inputs.length, inputs[0].length, ...]. */
function leadingLengths(v: unknown): number[] {
  const out: number[] = [];
  while (Array.isArray(v)) {
    out.push(v.length);
    v = v[0];
  }
  return out;
}

/** [n, h, w, c] pixels read in `layout` order ([n, c, h, w] for NCHW) turned into NHWC. */
function toNhwc(x: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(x.length);
  const plane = h * w;
  for (let i = 0; i < n; i++) {
    const base = i * plane * c;
    for (let ch = 0; ch < c; ch++) for (let p = 0; p < plane; p++) out[base + p * c + ch] = x[base + ch * plane + p];
  }
  return out;
}

/**
 * The layout of a nested image `lens` ([H][W][C] or [C][H][W]): the one it fits, the request's
 * if it says; a shape that fits both ([3][3][3]) or a flat array of a multi-channel model is not
 * guessed: a PyTorch user sends CHW, a Keras user HWC, and either guess is wrong for the other.
 */
function layoutOf(given: JsonLayout | undefined, lens: number[] | null, h: number, w: number, c: number, size: number): JsonLayout {
  if (given) return given;
  if (c === 1) return DEFAULT_JSON_LAYOUT; // one channel: both orders are the same numbers
  if (!lens) {
    throw new BadInput(400, 'layout_required', `a flat array of ${size} values is ambiguous for a ${c}-channel model: say its order with "layout": "NCHW" (channels first, as a PyTorch tensor flattens) or "layout": "NHWC" (channels last, as Keras and image files store pixels)`);
  }
  const hwc = lens[0] === h && lens[1] === w && lens[2] === c;
  const chw = lens[0] === c && lens[1] === h && lens[2] === w;
  if (hwc && chw) throw new BadInput(400, 'layout_required', `an image [${lens}] fits both [H][W][C] and [C][H][W] for this ${h}x${w}x${c} model: say which with "layout": "NHWC" or "layout": "NCHW"`);
  return chw ? 'NCHW' : DEFAULT_JSON_LAYOUT;
}

/**
 * Read `{ "inputs": ..., "layout"?: "NHWC" | "NCHW" }` raw pixel arrays in [0, 1]. Accepted forms,
 * told apart by nesting depth: one image as [H][W][C] or [C][H][W] (or [H][W] for one-channel
 * models) or flat [H*W*C]; a batch as [N][H][W][C], [N][C][H][W] or [N][H*W*C]. A nested array's
 * layout is read off its shape where only one fits; a flat array of a multi-channel model needs
 * "layout". Returned as NHWC.
 */
export function parseJsonInputs(body: unknown, shape: ImageShape, maxItems: number): ParsedInputs {
  const [h, w, c] = shape;
  const size = h * w * c;
  const shapeText = `[${h}][${w}][${c}]`;
  if (body === null || typeof body !== 'object' || Array.isArray(body) || !('inputs' in body)) {
    throw new BadInput(400, 'missing_inputs', `the JSON body must be an object with an "inputs" field holding pixel arrays: one image ${shapeText} or flat [${size}], or a batch of them`);
  }
  const inputs = (body as { inputs: unknown }).inputs;
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw new BadInput(400, 'missing_inputs', `"inputs" must be a non-empty array: one image ${shapeText} or flat [${size}], or a batch of them`);
  }
  const rawLayout = (body as { layout?: unknown }).layout;
  if (rawLayout !== undefined && !(JSON_LAYOUTS as readonly unknown[]).includes(rawLayout)) {
    throw new BadInput(400, 'bad_layout', `"layout" is ${JSON.stringify(rawLayout)?.slice(0, 40)}; it must be "NHWC" (channels last) or "NCHW" (channels first)`);
  }
  const given = rawLayout as JsonLayout | undefined;
  const depth = depthOf(inputs);
  const lens = leadingLengths(inputs);
  let layout: JsonLayout = given ?? DEFAULT_JSON_LAYOUT;
  const imageDims = () => (layout === 'NCHW' ? [c, h, w] : [h, w, c]);
  let dims: number[];
  let batch: boolean;
  if (depth === 1) {
    layout = layoutOf(given, null, h, w, c, size);
    [dims, batch] = [[size], false];
  } else if (depth === 2 && c === 1 && inputs.length === h && (inputs[0] as unknown[]).length === w && w !== size) [dims, batch] = [[h, w], false];
  else if (depth === 2) {
    layout = layoutOf(given, null, h, w, c, size);
    [dims, batch] = [[inputs.length, size], true];
  } else if (depth === 3) {
    layout = layoutOf(given, lens, h, w, c, size);
    [dims, batch] = [imageDims(), false];
  } else if (depth === 4) {
    layout = layoutOf(given, lens.slice(1), h, w, c, size);
    [dims, batch] = [[inputs.length, ...imageDims()], true];
  } else {
    throw new BadInput(400, 'wrong_shape', `"inputs" is nested ${depth} deep; send one image ${shapeText} or flat [${size}], or a batch [N]${shapeText} or [N][${size}]`);
  }
  const n = batch ? inputs.length : 1;
  if (n > maxItems) {
    throw new BadInput(413, 'too_many_items', `the request holds ${n} images but this server takes at most ${maxItems} per request; split it into smaller requests`);
  }
  const images = new Float32Array(n * size);
  const one = layout === 'NCHW' ? `[${c}][${h}][${w}]` : shapeText;
  const hint = batch ? `a batch is [N]${one} or [N][${size}] in ${layout}` : `one image is ${one} or flat [${size}] in ${layout}`;
  fill(inputs, dims, images, 0, 'inputs', hint);
  return { images: layout === 'NCHW' && c > 1 ? toNhwc(images, n, h, w, c) : images, n, batch };
}
