import protobuf from 'protobufjs';
import * as path from 'node:path';
import { packageRoot } from '../version.js';
import { IcmixError } from '../util/errors.js';
import type { ModelProto } from './schema.js';

/**
 * The one ONNX reader/writer: protobufjs reflection over schemas/onnx.proto (loaded once on
 * first use). Types are src/onnx/schema.ts, generated from the same file.
 */

let modelType: protobuf.Type | undefined;

function modelProto(): protobuf.Type {
  if (!modelType) {
    const root = protobuf.loadSync(path.join(packageRoot(), 'schemas', 'onnx.proto'));
    modelType = root.lookupType('onnx.ModelProto');
  }
  return modelType;
}

/** Serialise a model; `verify` catches wrongly typed fields before they become a corrupt file. */
export function encodeModel(model: ModelProto): Uint8Array {
  const type = modelProto();
  const err = type.verify(model);
  if (err) throw new Error(`internal error: ONNX model does not match the schema: ${err}`);
  return type.encode(model as unknown as protobuf.Message).finish();
}

/**
 * Parse ONNX bytes into plain objects (int64 as number, enums as numbers, bytes as views of
 * `bytes`, repeated fields always arrays). `source` names the bytes in the error.
 */
export function decodeModel(bytes: Uint8Array, source?: string): ModelProto {
  const type = modelProto();
  let msg: protobuf.Message;
  try {
    msg = type.decode(bytes);
  } catch (e) {
    throw new IcmixError(`${source ? `${source} is ` : ''}not an ONNX model (protobuf decoding failed: ${(e as Error).message})`);
  }
  return type.toObject(msg, { longs: Number, enums: Number, arrays: true, defaults: false }) as ModelProto;
}
