/**
 * TensorFlow's 'same' padding made explicit. TF makes out = ceil(in / stride) and, when the
 * total padding is odd, puts the extra row/column at the end (bottom/right); ONNX wants the
 * pads listed as [begin..., end...].
 */

/** [before, after] padding of one spatial axis. */
export function samePadding(size: number, kernel: number, stride: number, dilation = 1): [number, number] {
  const effective = (kernel - 1) * dilation + 1;
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + effective - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** ONNX `pads` for all spatial axes: [x1_begin, x2_begin, ..., x1_end, x2_end, ...]. */
export function onnxSamePads(sizes: number[], kernel: number[], strides: number[], dilations: number[]): number[] {
  const p = sizes.map((s, i) => samePadding(s, kernel[i], strides[i], dilations[i]));
  return [...p.map((x) => x[0]), ...p.map((x) => x[1])];
}
