import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspectOnnx } from '../../src/export/index.js';
import { IcmixError } from '../../src/util/errors.js';

test('inspecting an empty file is an error naming it, not an empty summary', () => {
  assert.throws(() => inspectOnnx(new Uint8Array(0), 'runs/x/model.onnx'), (e: unknown) => e instanceof IcmixError && /^runs\/x\/model\.onnx is empty \(0 bytes\), not an ONNX model/.test(e.message));
  // Bytes that decode as protobuf but carry no graph (here: only ir_version = 7).
  assert.throws(() => inspectOnnx(Uint8Array.from([0x08, 0x07]), 'x.onnx'), /x\.onnx holds no ONNX graph \(2 bytes\)/);
});
