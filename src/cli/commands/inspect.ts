import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CommandModule } from 'yargs';
import { formatOnnxSummary, inspectOnnx } from '../../export/index.js';
import { IcmixError } from '../../util/errors.js';

interface InspectArgs {
  model: string;
  json: boolean;
}

export const inspectCommand: CommandModule<object, InspectArgs> = {
  command: 'inspect <model>',
  describe: 'Show an ONNX file (inputs, outputs, nodes by op type, parameters, opset, IR version, metadata) or a run folder\'s trained model (layers, output shapes, parameters)',
  builder: (y) =>
    y
      .example('$0 inspect runs/icm/model.onnx', '')
      .example('$0 inspect runs/icm', 'the trained model\'s layers, output shapes and parameter counts')
      .positional('model', { type: 'string', demandOption: true, describe: 'any .onnx file (icmix or not), or a run folder' })
      .option('json', { type: 'boolean', default: false, describe: 'print the summary as JSON' }),
  handler: async (a) => {
    // A run folder (or a tfjs model folder): the trained model's layers, shapes and parameters.
    if ((await fs.stat(a.model).catch(() => undefined))?.isDirectory()) {
      const { summarizeModel, formatModelSummary } = await import('../../train/summary.js');
      const { loadLayersModel } = await import('../../run/index.js');
      const { useBackend } = await import('../../backend/select.js');
      await useBackend('cpu');
      const dir = existsSync(path.join(a.model, 'model.json')) ? a.model : path.join(a.model, 'model');
      if (!existsSync(path.join(dir, 'model.json'))) throw new IcmixError(`${a.model} is a folder without model.json or model/model.json; give a run folder, a tfjs model folder or an .onnx file`);
      const summary = summarizeModel(await loadLayersModel(dir));
      console.log(a.json ? JSON.stringify(summary, null, 2) : formatModelSummary(summary));
      return;
    }
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
