/** The generated ONNX types are up to date with schemas/onnx.proto, and model info reads through the one codec. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
// @ts-expect-error: a plain .mjs script without type declarations
import { generateSchemaTs, SCHEMA_TS_PATH } from '../../scripts/gen-onnx-schema.mjs';
import { AttributeType, DataType, encodeModel, readOnnxHeader } from '../../src/onnx/index.js';
import { modelInfoFromBytes } from '../../src/infer/model-info.js';

test('src/onnx/schema.ts is what scripts/gen-onnx-schema.mjs generates from schemas/onnx.proto', () => {
  const want = (generateSchemaTs as () => string)();
  assert.equal(readFileSync(SCHEMA_TS_PATH as string, 'utf8'), want, 'run node scripts/gen-onnx-schema.mjs and commit src/onnx/schema.ts');
  // The enums come from the schema, not from a hand-written table.
  assert.equal(DataType.FLOAT, 1);
  assert.equal(DataType.INT64, 7);
  assert.equal(AttributeType.INTS, 7);
});

test('the header reader drops initializers listed as inputs and names each output producer', () => {
  const tensor = (name: string, dims: (number | string)[]) => ({
    name,
    type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
  const bytes = encodeModel({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'g',
      node: [
        { opType: 'MatMul', input: ['x', 'w'], output: ['z'] },
        { opType: 'Softmax', input: ['z'], output: ['p'] },
      ],
      initializer: [{ name: 'w', dims: [4, 3], dataType: DataType.FLOAT, rawData: new Uint8Array(48) }],
      input: [tensor('x', ['N', 4]), tensor('w', [4, 3])],
      output: [tensor('p', ['N', 3])],
    },
    metadataProps: [{ key: 'k', value: 'v' }],
  });
  const h = readOnnxHeader(bytes);
  assert.deepEqual(h.inputs, [{ name: 'x', dims: ['N', 4], elemType: DataType.FLOAT }]);
  assert.deepEqual(h.outputs, [{ name: 'p', dims: ['N', 3], elemType: DataType.FLOAT }]);
  assert.deepEqual(h.outputProducers, ['Softmax']);
  assert.deepEqual(h.metadata, { k: 'v' });
  assert.throws(() => modelInfoFromBytes(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2]), 'bad.onnx'), /bad\.onnx/);
});
