import { encodeModel } from '../onnx/index.js';

const FLOAT = 1;

/** The smallest useful ONNX model for probing a runtime: y = x + 1 with x, y of shape [1, 2]. */
export function probeModelBytes(): Uint8Array {
  const vi = (name: string) => ({ name, type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimValue: 1 }, { dimValue: 2 }] } } } });
  return encodeModel({
    irVersion: 8,
    producerName: 'icmix doctor',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'probe',
      node: [{ opType: 'Add', input: ['x', 'one'], output: ['y'], name: 'add' }],
      initializer: [{ name: 'one', dims: [], dataType: FLOAT, floatData: [1] }],
      input: [vi('x')],
      output: [vi('y')],
    },
  });
}

/** What the probe model must return for [1, 2] in. */
export const PROBE_INPUT = Float32Array.of(1, 2);
export const PROBE_OUTPUT = [2, 3];
