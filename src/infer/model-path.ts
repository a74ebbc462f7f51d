import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { RUN_FILES } from '../types.js';
import { IcmixError } from '../util/errors.js';

/** A run folder stands for its calibrated model if there is one, else its model.onnx; a file stands for itself. */
export function resolveModelPath(p: string): string {
  if (existsSync(p) && statSync(p).isDirectory()) {
    for (const f of [RUN_FILES.calibratedOnnx, RUN_FILES.onnx]) if (existsSync(path.join(p, f))) return path.join(p, f);
    throw new IcmixError(`${p} holds neither ${RUN_FILES.calibratedOnnx} nor ${RUN_FILES.onnx}; export the run first with \`icmix export ${p}\``);
  }
  return p;
}
