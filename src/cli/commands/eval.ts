import * as path from 'node:path';
import type { CommandModule } from 'yargs';
import { BACKEND_NAMES, type BackendName } from '../../backend/select.js';
import { describeDatasets } from '../../data/index.js';
import { DEFAULT_CORRUPTION_SAMPLES, DEFAULT_OOD_SAMPLES, EVAL_RULES, evaluate } from '../../infer/evaluate.js';
import { renderMarkdown, writeReport } from '../../infer/report/index.js';
import { DEFAULT_RUNTIME, listRuntimes, parseRuntimeList, type FallbackRuntime } from '../../infer/runtimes/index.js';
import { listCorruptions, SUITE_NAMES, SYNTHETIC_OOD, type SuiteName } from '../../infer/suites/index.js';
import { IcmixError } from '../../util/errors.js';
import { renderProgress } from '../../util/progress.js';
import { maxImagePixelsFlag } from '../dataset-flags.js';
import { ranged, rangedList } from '../ranged.js';
import { resolveRunModel as resolveModelPath } from '../../run/folder.js';
import { modelOverrides, withModelFlags, type ModelFlagArgs } from '../model-flags.js';

interface EvalArgs extends ModelFlagArgs {
  model: string;
  dataset?: string;
  'data-dir'?: string;
  strict?: boolean;
  'max-image-pixels'?: number;
  runtime: string;
  suite: string;
  'batch-size': number;
  bins: number;
  seed: number;
  limit?: number;
  ood?: string;
  'ood-samples': number;
  'ood-data-dir'?: string;
  corruptions?: string;
  'corruption-samples': number;
  severities?: number[];
  threads?: number;
  fallback?: FallbackRuntime;
  'run-dir'?: string;
  'tfjs-backend': BackendName;
  out?: string;
  quiet: boolean;
}

function list(s: string | undefined): string[] | undefined {
  if (s === undefined) return undefined;
  const items = s.split(',').map((x) => x.trim()).filter(Boolean);
  return items.length ? items : undefined;
}

/** Kept here for callers that import it from the CLI; the library owns it. */
export { resolveModelPath };

export const evalCommand: CommandModule<object, EvalArgs> = {
  command: 'eval <model>',
  describe: 'Evaluate an exported ONNX model: accuracy, calibration, OOD detection and corruption robustness, on one or more runtimes',
  builder: (y) =>
    withModelFlags(
      y
        .example('$0 eval runs/icm/model.onnx --dataset fashion-mnist --runtime cpu,web', 'all suites on two runtimes, with parity')
        .example('$0 eval runs/icm --runtime cpu,web,tfjs --suite id', 'a run folder: its calibrated model if any; tfjs = the trained model as reference')
        .example('$0 eval model.onnx --dataset mnist --ood fashion-mnist,uniform-noise --corruption-samples 500', '')
        .example('$0 eval resnet.onnx --dataset cifar10 --data-dir ./cifar --mean 0.49,0.48,0.45 --std 0.25 --class-names classes.txt', 'a PyTorch export (NCHW read off its input) without icmix metadata')
        .positional('model', { type: 'string', demandOption: true, describe: 'the .onnx file (or a run folder holding model.onnx / model.calibrated.onnx)' })
        .option('dataset', { type: 'string', describe: `evaluation data (default: the model's icmix.dataset metadata). ${Object.keys(describeDatasets()).join(', ')}`, group: 'Data:' })
        .option(...maxImagePixelsFlag('Data:'))
        .option('data-dir', { type: 'string', describe: 'folder of the dataset files (cifar10/cifar100)', group: 'Data:' })
        .option('strict', { type: 'boolean', describe: 'folder:<dir> datasets: stop at a file that does not decode instead of skipping it', group: 'Data:' })
        .option(...ranged('limit', EVAL_RULES.limit, { describe: 'evaluate the id suite on a seeded subset of this many test images', group: 'Data:' }))
        .option('runtime', { type: 'string', default: DEFAULT_RUNTIME, describe: `comma-separated runtimes, the first is primary: ${listRuntimes().map((r) => `${r.name} (${r.description})`).join('; ')}`, group: 'Runtimes:' })
        .option(...ranged('threads', EVAL_RULES.threads, { describe: 'intra-op threads (cpu, cuda) or wasm threads (web); default: every core', group: 'Runtimes:' }))
        .option('fallback', { choices: [DEFAULT_RUNTIME], describe: `when cuda or webgpu is unavailable, continue on ${DEFAULT_RUNTIME} (recorded in the report)`, group: 'Runtimes:' })
        .option(...ranged('batch-size', EVAL_RULES.batchSize, { default: 256, group: 'Runtimes:' }))
        .option('run-dir', { type: 'string', describe: "tfjs runtime: the run folder with the trained model (default: the model's folder)", group: 'Runtimes:' })
        .option('tfjs-backend', { choices: BACKEND_NAMES, default: 'auto' as const, describe: 'tfjs runtime: the tfjs backend', group: 'Runtimes:' })
        .option('suite', { type: 'string', default: SUITE_NAMES.join(','), describe: 'comma-separated suites: id (test split), ood (OOD detection), corruptions', group: 'Suites:' })
        .option(...ranged('bins', EVAL_RULES.bins, { default: 15, describe: 'equal-width bins for ECE and the reliability diagram', group: 'Suites:' }))
        .option(...ranged('seed', EVAL_RULES.seed, { default: 0, describe: 'seeds subsets, synthetic OOD sets and corruptions', group: 'Suites:' }))
        .option('ood', { type: 'string', describe: `comma-separated OOD sets: any dataset name icmix reads, or synthetic ${SYNTHETIC_OOD.map((s) => s.name).join(', ')} (default: the paired dataset, mnist <-> fashion-mnist, and all synthetic sets)`, group: 'Suites:' })
        .option(...ranged('ood-samples', { ...EVAL_RULES.oodSamples, min: 0 }, { default: DEFAULT_OOD_SAMPLES, describe: 'at most this many images per OOD set, a seeded subset (0 = as many as the id suite)', group: 'Suites:' }))
        .option('ood-data-dir', { type: 'string', describe: 'folder for OOD datasets that need one', group: 'Suites:' })
        .option('corruptions', { type: 'string', describe: `comma-separated corruptions (default all): ${listCorruptions().map((c) => c.name).join(', ')}`, group: 'Suites:' })
        .option(...ranged('corruption-samples', { ...EVAL_RULES.corruptionSamples, min: 0 }, { default: DEFAULT_CORRUPTION_SAMPLES, describe: 'seeded subset of the test split per corruption set, to bound time (0 = all)', group: 'Suites:' }))
        .option(...rangedList('severities', EVAL_RULES.severities, { describe: 'comma-separated corruption severities 1..5 (default all)', group: 'Suites:' }))
        .option('out', { type: 'string', describe: "folder for report.json, report.md and reliability SVGs (default: the model's folder)", group: 'Output:' })
        .option('quiet', { type: 'boolean', default: false, describe: 'no progress on stderr', group: 'Output:' })
        .epilogue('Writes report.json (schemas/report.schema.json), report.md and reliability-<runtime>.svg atomically, and prints the Markdown summary.')),
  handler: async (a) => {
    const model = resolveModelPath(a.model);
    const suites = list(a.suite) ?? [];
    for (const s of suites) if (!SUITE_NAMES.includes(s as SuiteName)) throw new IcmixError(`unknown suite '${s}'; choose from: ${SUITE_NAMES.join(', ')}`);
    const started = Date.now();
    const report = await evaluate({
      model,
      dataset: a.dataset,
      dataDir: a.dataDir,
      strict: a.strict,
      maxImagePixels: a.maxImagePixels,
      runtimes: parseRuntimeList(a.runtime),
      suites: suites as SuiteName[],
      batchSize: a.batchSize,
      bins: a.bins,
      seed: a.seed,
      limit: a.limit,
      ood: list(a.ood),
      // 0 on the command line: no cap (the library's undefined).
      oodSamples: a.oodSamples || undefined,
      oodDataDir: a.oodDataDir,
      corruptions: list(a.corruptions),
      corruptionSamples: a.corruptionSamples || undefined,
      severities: a.severities?.length ? a.severities : undefined,
      threads: a.threads,
      fallback: a.fallback,
      runDir: a.runDir,
      tfjsBackend: a.tfjsBackend,
      overrides: await modelOverrides(a),
      onProgress: a.quiet ? undefined : renderProgress({ prefix: 'icmix eval: ' }),
    });
    const outDir = a.out ?? path.dirname(model);
    const files = await writeReport(outDir, report);
    process.stdout.write(renderMarkdown(report));
    if (!a.quiet) console.error(`icmix eval: ${((Date.now() - started) / 1000).toFixed(1)} s; wrote ${files.join(', ')}`);
  },
};
