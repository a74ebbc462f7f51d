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

/**
 * Read `{ "inputs": ... }` raw pixel arrays in [0, 1], NHWC. Accepted forms, told apart by nesting
 * depth: one image as [H][W][C] (or [H][W] for one-channel models) or flat [H*W*C]; a batch as
 * [N][H][W][C] or [N][H*W*C].
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
  const depth = depthOf(inputs);
  let dims: number[];
  let batch: boolean;
  if (depth === 1) [dims, batch] = [[size], false];
  else if (depth === 2 && c === 1 && inputs.length === h && (inputs[0] as unknown[]).length === w && w !== size) [dims, batch] = [[h, w], false];
  else if (depth === 2) [dims, batch] = [[inputs.length, size], true];
  else if (depth === 3) [dims, batch] = [[h, w, c], false];
  else if (depth === 4) [dims, batch] = [[inputs.length, h, w, c], true];
  else {
    throw new BadInput(400, 'wrong_shape', `"inputs" is nested ${depth} deep; send one image ${shapeText} or flat [${size}], or a batch [N]${shapeText} or [N][${size}]`);
  }
  const n = batch ? inputs.length : 1;
  if (n > maxItems) {
    throw new BadInput(413, 'too_many_items', `the request holds ${n} images but this server takes at most ${maxItems} per request; split it into smaller requests`);
  }
  const images = new Float32Array(n * size);
  const hint = batch ? `a batch is [N]${shapeText} or [N][${size}]` : `one image is ${shapeText} or flat [${size}]`;
  fill(inputs, dims, images, 0, 'inputs', hint);
  return { images, n, batch };
}
