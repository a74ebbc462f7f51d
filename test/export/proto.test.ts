/**
 * The ONNX schema and codec: what we encode decodes identically with an independent decoder
 * (the npm onnx-proto package, generated from the official onnx.proto), what it encodes we
 * decode, and `inspectOnnx` reads a model written by the reference Python `onnx` package.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import onnxProto from 'onnx-proto';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { buildOnnxModel, decodeModel, encodeModel, inspectOnnx, readOnnxMetadata, formatOnnxSummary } from '../../src/export/index.js';
import { cpuBackend, randomizeWeights } from './helpers.js';

const { onnx } = onnxProto as unknown as { onnx: typeof import('onnx-proto').onnx };
const L = tfl.layers;

before(cpuBackend);

function sampleModel(): tfl.LayersModel {
  const m = tfl.sequential({
    layers: [
      L.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, strides: 2, padding: 'same' }),
      L.batchNormalization({}),
      L.reLU({ maxValue: 6 }),
      L.zeroPadding2d({ padding: 1 }),
      L.averagePooling2d({ poolSize: 2, padding: 'same' }),
      L.upSampling2d({ size: [2, 2] }),
      L.globalAveragePooling2d({}),
      L.dense({ units: 4, activation: 'selu' }),
    ],
  });
  randomizeWeights(m, 1);
  return m;
}

/** onnx-proto's decode as plain objects with the same conventions as ours. */
function decodeWithOnnxProto(bytes: Uint8Array) {
  const msg = onnx.ModelProto.decode(bytes);
  return onnx.ModelProto.toObject(msg, { longs: Number, enums: Number, arrays: true, defaults: false }) as Record<string, any>;
}

test('onnx-proto (an independent decoder) reads what we encode field for field', () => {
  const model = buildOnnxModel(sampleModel(), { foldBatchNorm: false, probabilities: true, temperature: 1.5, metadata: { k: 'v' } });
  const bytes = encodeModel(model);
  const other = decodeWithOnnxProto(bytes);
  assert.equal(other.irVersion, 7);
  assert.deepEqual(other.opsetImport, [{ domain: '', version: 13 }]);
  assert.equal(other.producerName, 'icmix');
  const g = other.graph;
  const ours = model.graph!;
  assert.equal(g.name, ours.name);
  assert.equal(g.node.length, ours.node!.length);
  ours.node!.forEach((n, i) => {
    const o = g.node[i];
    assert.equal(o.opType, n.opType);
    assert.equal(o.name, n.name);
    assert.deepEqual(o.input, n.input);
    assert.deepEqual(o.output, n.output);
    assert.equal(o.attribute.length, n.attribute!.length);
    n.attribute!.forEach((a, j) => {
      const oa = o.attribute[j];
      assert.equal(oa.name, a.name);
      assert.equal(oa.type, a.type);
      if (a.i !== undefined) assert.equal(oa.i, a.i);
      if (a.f !== undefined) assert.equal(oa.f, Math.fround(a.f));
      if (a.ints) assert.deepEqual(oa.ints, a.ints);
      if (a.floats) assert.deepEqual(oa.floats, a.floats.map(Math.fround));
      if (a.s) assert.deepEqual(new Uint8Array(oa.s), a.s);
    });
  });
  assert.equal(g.initializer.length, ours.initializer!.length);
  ours.initializer!.forEach((t, i) => {
    const o = g.initializer[i];
    assert.equal(o.name, t.name);
    assert.deepEqual(o.dims, t.dims);
    assert.equal(o.dataType, t.dataType);
    assert.deepEqual(new Uint8Array(o.rawData), t.rawData);
  });
  assert.deepEqual(
    g.input.map((v: any) => [v.name, v.type.tensorType.elemType, v.type.tensorType.shape.dim.map((d: any) => d.dimValue ?? d.dimParam)]),
    [['input', 1, ['batch', 6, 6, 2]]],
  );
  assert.deepEqual(g.output.map((v: any) => v.name), ['probabilities']);
  assert.deepEqual(
    Object.fromEntries(other.metadataProps.map((p: any) => [p.key, p.value])),
    Object.fromEntries(model.metadataProps!.map((p) => [p.key, p.value])),
  );
  // A set INT attribute of 0 is written, not dropped as a proto3 default would be.
  const reduce = g.node.find((n: any) => n.opType === 'ReduceMean');
  const keep = reduce.attribute.find((a: any) => a.name === 'keepdims');
  assert.equal(keep.i, 0);
  assert.equal(keep.type, 2);
});

test('we decode what onnx-proto encodes, and round-trip our own encoding', () => {
  const theirs = onnx.ModelProto.fromObject({
    irVersion: 8,
    producerName: 'other-tool',
    opsetImport: [{ domain: '', version: 15 }, { domain: 'com.example', version: 1 }],
    metadataProps: [{ key: 'author', value: 'someone' }],
    graph: {
      name: 'g',
      input: [
        { name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: 4 }] } } } },
        { name: 'w', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 4 }, { dimValue: 2 }] } } } },
      ],
      output: [{ name: 'y', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: 2 }] } } } }],
      initializer: [
        { name: 'w', dims: [4, 2], dataType: 1, floatData: [1, 2, 3, 4, 5, 6, 7, 8] },
        { name: 'shape', dims: [2], dataType: 7, int64Data: [-1, 2] },
      ],
      node: [
        { opType: 'MatMul', input: ['x', 'w'], output: ['m'], name: 'mm' },
        { opType: 'Custom', domain: 'com.example', input: ['m'], output: ['c'], attribute: [{ name: 'alpha', type: 1, f: 0.5 }, { name: 'mode', type: 3, s: new TextEncoder().encode('fast') }, { name: 'axes', type: 7, ints: [0, -1] }] },
        { opType: 'Reshape', input: ['c', 'shape'], output: ['y'] },
      ],
    },
  });
  const bytes = onnx.ModelProto.encode(theirs).finish();
  const ours = decodeModel(bytes);
  assert.equal(ours.irVersion, 8);
  assert.deepEqual(ours.opsetImport, [{ domain: '', version: 15 }, { domain: 'com.example', version: 1 }]);
  assert.deepEqual(ours.graph!.initializer![0].floatData, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(ours.graph!.initializer![1].int64Data, [-1, 2]);
  const custom = ours.graph!.node![1];
  assert.equal(custom.domain, 'com.example');
  assert.equal(custom.attribute![0].f, 0.5);
  assert.equal(new TextDecoder().decode(custom.attribute![1].s), 'fast');
  assert.deepEqual(custom.attribute![2].ints, [0, -1]);
  assert.deepEqual(ours.graph!.input![0].type!.tensorType!.shape!.dim, [{ dimParam: 'N' }, { dimValue: 4 }]);

  const s = inspectOnnx(bytes);
  assert.deepEqual(s.inputs, [{ name: 'x', type: 'float32', dims: ['N', 4] }]); // 'w' is an initializer, not an input
  assert.deepEqual(s.opCounts, { 'com.example.Custom': 1, MatMul: 1, Reshape: 1 });
  assert.equal(s.parameterCount, 8);
  assert.equal(s.initializerBytes, 8 * 4 + 2 * 8);
  assert.deepEqual(readOnnxMetadata(bytes), { author: 'someone' });

  // Our own encoding round-trips exactly.
  const model = buildOnnxModel(sampleModel());
  const again = decodeModel(encodeModel(model));
  assert.deepEqual(decodeModel(encodeModel(again)), again);
  assert.deepEqual(again.graph!.node!.map((n) => n.opType), model.graph!.node!.map((n) => n.opType));
});

test("inspectOnnx reads a model written by the reference Python onnx package", () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'icmix-inspect-'));
  const file = path.join(dir, 'py.onnx');
  const script = `
import onnx, numpy as np
from onnx import helper, TensorProto, numpy_helper
w = numpy_helper.from_array(np.ones((8, 3, 3, 3), np.float32), 'w')
b = numpy_helper.from_array(np.zeros((8,), np.float32), 'b')
nodes = [helper.make_node('Conv', ['x', 'w', 'b'], ['c'], pads=[1, 1, 1, 1]), helper.make_node('Relu', ['c'], ['r']),
         helper.make_node('GlobalAveragePool', ['r'], ['y'])]
g = helper.make_graph(nodes, 'pygraph', [helper.make_tensor_value_info('x', TensorProto.FLOAT, ['n', 3, 16, 16])],
                      [helper.make_tensor_value_info('y', TensorProto.FLOAT, ['n', 8, 1, 1])], [w, b])
m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)], producer_name='pytest')
m.ir_version = 7
helper.set_model_props(m, {'purpose': 'test'})
onnx.checker.check_model(m)
onnx.save(m, ${JSON.stringify(file)})
`;
  const r = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, `python3-onnx is needed for this test: ${r.stderr}`);
  const s = inspectOnnx(readFileSync(file));
  assert.equal(s.irVersion, 7);
  assert.equal(s.producer, 'pytest');
  assert.equal(s.graphName, 'pygraph');
  assert.deepEqual(s.opsets, [{ domain: 'ai.onnx', version: 13 }]);
  assert.deepEqual(s.inputs, [{ name: 'x', type: 'float32', dims: ['n', 3, 16, 16] }]);
  assert.deepEqual(s.outputs, [{ name: 'y', type: 'float32', dims: ['n', 8, 1, 1] }]);
  assert.deepEqual(s.opCounts, { Conv: 1, GlobalAveragePool: 1, Relu: 1 });
  assert.equal(s.parameterCount, 8 * 27 + 8);
  assert.deepEqual(s.metadata, { purpose: 'test' });
  const text = formatOnnxSummary(s);
  assert.match(text, /parameters\s+224 in 2 initializers/);
  assert.match(text, /x: float32 \[n, 3, 16, 16\]/);
  assert.match(text, /purpose\s+test/);
});

test('decoding garbage fails with a clear error', () => {
  assert.throws(() => decodeModel(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2])), /not an ONNX model/);
});
