import { promises as fs } from 'node:fs';
import type { CommandModule } from 'yargs';
import { formatOnnxSummary, inspectOnnx } from '../../export/index.js';
import { IcmixError } from '../../util/errors.js';

interface InspectArgs {
  model: string;
  json: boolean;
}

export const inspectCommand: CommandModule<object, InspectArgs> = {
  command: 'inspect <model>',
  describe: 'Show an ONNX file: inputs, outputs, nodes by op type, parameters, opset, IR version and metadata',
  builder: (y) =>
    y
      .example('$0 inspect runs/icm/model.onnx', '')
      .positional('model', { type: 'string', demandOption: true, describe: 'any .onnx file (icmix or not)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the summary as JSON' }),
  handler: async (a) => {
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(a.model);
    } catch (e) {
      throw new IcmixError(`cannot read ${a.model} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give the path of an .onnx file`);
    }
    const summary = inspectOnnx(bytes, a.model);
    console.log(a.json ? JSON.stringify(summary, null, 2) : formatOnnxSummary(summary));
  },
};
