/** Small typed-array helpers for rearranging weights. */

export const product = (dims: number[]): number => dims.reduce((a, b) => a * b, 1);

/**
 * Transpose a row-major array of shape `dims` so that output axis i is input axis perm[i]
 * (numpy's transpose).
 */
export function transposeArray(data: Float32Array, dims: number[], perm: number[]): Float32Array {
  const rank = dims.length;
  const outDims = perm.map((p) => dims[p]);
  const inStrides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= dims[i];
  }
  const strides = perm.map((p) => inStrides[p]);
  const out = new Float32Array(data.length);
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = data[src];
    // Odometer over the output index, tracking the matching input offset.
    for (let a = rank - 1; a >= 0; a--) {
      idx[a]++;
      src += strides[a];
      if (idx[a] < outDims[a]) break;
      src -= strides[a] * outDims[a];
      idx[a] = 0;
    }
  }
  return out;
}

/** A number or an n-tuple from a layer config, as an n-tuple. */
export function tuple(v: unknown, n: number): number[] {
  if (Array.isArray(v)) return v.map(Number);
  return Array(n).fill(Number(v));
}
