/**
 * Output kind and temperature that cannot be right (issue 13 item 1): model info, which serve,
 * eval and calibrate all read, refuses metadata that contradicts the graph, with what to do.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { modelInfoFromBytes } from '../../src/infer/model-info.js';
import { decodeModel, encodeModel } from '../../src/onnx/index.js';
import { META } from '../../src/types.js';
import { IcmixError } from '../../src/util/errors.js';
import { tinyOnnx, type TinySpec } from './runtimes/tiny-model.js';

const shape: [number, number, number] = [4, 4, 1];

/** `bytes` with some metadata entries replaced. */
function withMetadata(bytes: Uint8Array, meta: Record<string, string>): Uint8Array {
  const m = decodeModel(bytes);
  const merged = new Map((m.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  for (const [k, v] of Object.entries(meta)) merged.set(k, v);
  return encodeModel({ ...m, metadataProps: [...merged].map(([key, value]) => ({ key, value })) });
}

const file = (spec: Partial<TinySpec>, meta: Record<string, string> = {}) => withMetadata(tinyOnnx({ shape, classes: 3, ...spec }), meta);

const BAD: { name: string; bytes: () => Uint8Array; message: RegExp }[] = [
  {
    name: 'probabilities declared on a graph without Softmax',
    bytes: () => file({}, { [META.output]: 'probabilities' }),
    message: /metadata icmix\.output says probabilities but the graph's last node is Add, not a Softmax.*set icmix\.output=logits/,
  },
  {
    name: 'a temperature on a probabilities output the graph never divides',
    bytes: () => file({ probabilities: true }, { [META.temperature]: '2' }),
    message: /metadata icmix\.temperature is 2 but the graph divides its probabilities by no temperature.*icmix export --temperature 2/,
  },
  {
    name: 'logits divided by 2 in the graph, metadata temperature 1',
    bytes: () => file({ temperature: 2 }, { [META.temperature]: '1' }),
    message: /metadata icmix\.temperature is 1 but the graph divides its logits by 2; set icmix\.temperature=2/,
  },
];

for (const bad of BAD) {
  test(`model info refuses ${bad.name}`, () => {
    assert.throws(() => modelInfoFromBytes(bad.bytes(), 'm.onnx'), (e: Error) => e instanceof IcmixError && bad.message.test(e.message));
  });
}

test('consistent files still read: temperature in the graph, softmax after it, and foreign models', () => {
  const calibrated = modelInfoFromBytes(file({ temperature: 1.7, probabilities: true }), 'c.onnx');
  assert.equal(calibrated.output, 'probabilities');
  assert.equal(calibrated.temperature, 1.7);
  assert.equal(modelInfoFromBytes(file({ temperature: 2 }), 't.onnx').temperature, 2);
  assert.equal(modelInfoFromBytes(file({}), 'l.onnx').temperature, 1);
  // Without icmix metadata nothing is claimed, so nothing contradicts the graph.
  const foreign = modelInfoFromBytes(file({ temperature: 3, noMetadata: true }), 'f.onnx');
  assert.equal(foreign.temperature, 1);
  assert.equal(foreign.output, 'logits');
});

test('a Softmax followed by a shape-only op (Reshape, Flatten, Squeeze) is still read as probabilities, so softmax is not applied twice', () => {
  // Keras and tf2onnx heads often end Softmax -> Reshape; read as logits, eval applied softmax to
  // the probabilities again (an ECE of 45% for a model at 32%) and --output probabilities was refused.
  for (const op of ['Reshape', 'Flatten', 'Squeeze', 'Identity']) {
    const m = decodeModel(file({ probabilities: true, temperature: 2, noMetadata: true }));
    const g = m.graph!;
    g.output![0].name = 'out';
    const inputs = op === 'Reshape' ? ['probs', 'oshape'] : ['probs'];
    if (op === 'Reshape') g.initializer!.push({ name: 'oshape', dims: [2], dataType: 7, int64Data: [-1, 3] });
    g.node!.push({ opType: op, input: inputs, output: ['out'] });
    const info = modelInfoFromBytes(encodeModel(m), `${op}.onnx`);
    assert.equal(info.output, 'probabilities', op);
  }
});

test('a float16 (or other non-float32) input or output is refused naming the type, not read as float32', async () => {
  // onnxruntime hands a float16 output over as raw 16-bit words: read as numbers they gave a
  // model at 65% accuracy 40%, with no error.
  const retype = (where: 'input' | 'output', elemType: number) => {
    const m = decodeModel(file({ noMetadata: true }));
    m.graph![where]![0].type!.tensorType!.elemType = elemType;
    return encodeModel(m);
  };
  assert.throws(() => modelInfoFromBytes(retype('output', 10), 'half.onnx'), /half\.onnx: its output y is float16; icmix reads float32 outputs.*Cast/);
  assert.throws(() => modelInfoFromBytes(retype('input', 10), 'half.onnx'), /half\.onnx: its input x is float16; icmix feeds float32 images.*Cast/);
  assert.throws(() => modelInfoFromBytes(retype('input', 2), 'u8.onnx'), /its input x is uint8/);
  // The runtime refuses such an output too, should a model's declared type be missing.
  const { wrapOrtSession } = await import('../../src/infer/runtimes/ort-session.js');
  const session = { inputNames: ['x'], outputNames: ['y'], release: async () => {}, run: async () => ({ y: { data: new Uint16Array(3), dims: [1, 3] } }) };
  const rt = wrapOrtSession(session, class { constructor() {} } as never, { name: 'cpu', requested: 'cpu' });
  await assert.rejects(rt.run(new Float32Array(16), [1, 4, 4, 1]), /cpu: output y holds Uint16Array values, not float32/);
});

async function writeTmp(bytes: Uint8Array): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'icmix-kind-'));
  const p = path.join(dir, 'model.onnx');
  await fs.writeFile(p, bytes);
  return p;
}

test('serve and eval refuse such a model before loading anything else', async () => {
  const { createServer } = await import('../../src/serve/index.js');
  const { evaluate } = await import('../../src/infer/evaluate.js');
  const model = await writeTmp(BAD[0].bytes());
  await assert.rejects(createServer({ model, port: 0, host: '127.0.0.1' }), BAD[0].message);
  await assert.rejects(evaluate({ model, dataset: 'mnist' }), BAD[0].message);
});

test('calibrate refuses a model.onnx whose graph already divides by a temperature its metadata does not record', async () => {
  const { useBackend } = await import('../../src/backend/select.js');
  const { calibrateRun } = await import('../../src/infer/calibrate.js');
  const { calibrationRun } = await import('./calibration-run.js');
  await useBackend('cpu');
  const { runDir, onnxPath, spec } = await calibrationRun(3, 6);
  // Fitting T on logits already divided by 2 would record a temperature the graph does not apply.
  await fs.writeFile(onnxPath, withMetadata(tinyOnnx({ ...spec, temperature: 2 }), { [META.temperature]: '1' }));
  await assert.rejects(calibrateRun(runDir, { bins: 5, backend: 'cpu' }), /metadata icmix\.temperature is 1 but the graph divides its logits by 2/);
});
