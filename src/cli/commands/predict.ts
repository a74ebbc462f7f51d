import type { CommandModule } from 'yargs';
import { formatPredictionLine, listImageFiles, PREDICT_IMAGES_RULES, predictImageFiles } from '../../infer/predict-images.js';
import { DEFAULT_RUNTIME, ONNX_RUNTIMES, parseRuntimeList, RUNTIMES, type FallbackRuntime } from '../../infer/runtimes/index.js';
import { IcmixError } from '../../util/errors.js';
import { renderProgress } from '../../util/progress.js';
import { maxImagePixelsFlag } from '../dataset-flags.js';
import { ranged } from '../ranged.js';
import { modelOverrides, withModelFlags, type ModelFlagArgs } from '../model-flags.js';

interface PredictArgs extends ModelFlagArgs {
  model: string;
  images: string[];
  'top-k': number;
  json: boolean;
  runtime: string;
  fallback?: FallbackRuntime;
  threads?: number;
  'batch-size': number;
  'max-image-pixels'?: number;
  quiet: boolean;
}

export const predictCommand: CommandModule<object, PredictArgs> = {
  command: 'predict <model> <images..>',
  describe: 'Classify image files (PNG, JPEG, WebP, GIF, TIFF, AVIF) or folders of them: calibrated probabilities, top-k classes and the OOD flag, one line (or JSON object) per image',
  builder: (y) =>
    withModelFlags(
      y
        .example('$0 predict runs/icm shoe.png shirt.jpg', "a run folder stands for its calibrated model if there is one")
        .example('$0 predict model.calibrated.onnx photos/ --json --top-k 5 > predictions.jsonl', 'a folder is searched recursively, in sorted order')
        .positional('model', { type: 'string', demandOption: true, describe: 'an .onnx file or a run folder (model.calibrated.onnx, else model.onnx)' })
        .positional('images', { type: 'string', array: true, demandOption: true, describe: 'image files and folders, any size (resized to the model\'s input as serve resizes)' })
        .option(...ranged('top-k', PREDICT_IMAGES_RULES.topK, { default: 3, describe: 'classes listed per image' }))
        .option('json', { type: 'boolean', default: false, describe: 'one JSON object per line: file, label, index, confidence, ood, top, probabilities (or file, error)' })
        .option('runtime', { type: 'string', default: DEFAULT_RUNTIME, describe: ONNX_RUNTIMES.join(', ') })
        .option('fallback', { choices: [DEFAULT_RUNTIME], describe: `when cuda or webgpu is unavailable, continue on ${DEFAULT_RUNTIME}` })
        .option(...ranged('threads', PREDICT_IMAGES_RULES.threads, { describe: 'intra-op threads (cpu, cuda) or wasm threads (web); default: every core' }))
        .option(...ranged('batch-size', PREDICT_IMAGES_RULES.batchSize, { default: 256, describe: 'images decoded and run per model call (more images than this get a progress bar on stderr)' }))
        .option(...maxImagePixelsFlag('Options:'))
        .option('quiet', { type: 'boolean', default: false, describe: 'no progress on stderr' })
        .epilogue(
          'Images of any size are resized to the model\'s input (web/resize.js, the one bilinear resize serve and the page use); EXIF orientation is applied; gray and RGB are converted to its channel count. The OOD flag is the confidence below the ' +
            'threshold icmix calibrate stored in the model (null without one). A file that cannot be classified gets an error line and exit status 1.',
        )),
  handler: async (a) => {
    const [runtime, ...more] = parseRuntimeList(a.runtime);
    if (more.length || !RUNTIMES[runtime].onnx) throw new IcmixError(`--runtime takes one ONNX runtime (${ONNX_RUNTIMES.join(', ')}), got '${a.runtime}'`);
    const files = await listImageFiles(a.images);
    const progress = !a.quiet && files.length > a.batchSize ? renderProgress({ prefix: 'icmix predict: ' }) : undefined;
    let failed = 0;
    for await (const p of predictImageFiles(a.model, files, { topK: a.topK, runtime, fallback: a.fallback, threads: a.threads, batchSize: a.batchSize, maxImagePixels: a.maxImagePixels, overrides: await modelOverrides(a), onProgress: progress })) {
      if ('error' in p) failed++;
      process.stdout.write(`${a.json ? JSON.stringify(p) : formatPredictionLine(p)}\n`);
    }
    if (failed) {
      console.error(`icmix predict: ${failed} of ${files.length} images could not be classified (see their error lines)`);
      process.exitCode = 1;
    }
  },
};
