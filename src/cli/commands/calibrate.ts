import { existsSync, promises as fs, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CommandModule } from 'yargs';
import { BACKEND_NAMES, useBackend, type BackendName } from '../../backend/select.js';
import { exportRun } from '../../export/index.js';
import { RUN_FILES, runPaths } from '../../run/index.js';
import { CALIBRATE_RULES, calibrateRun, DEFAULT_OOD_TPR, type CalibrateResult } from '../../infer/calibrate.js';
import { CALIBRATE_MODEL_RULES, calibrateModel } from '../../infer/calibrate-model.js';
import { IcmixError } from '../../util/errors.js';
import { modelOverrides, withModelFlags, type ModelFlagArgs } from '../model-flags.js';
import { mdTable, num, pct } from '../../util/format.js';
import { renderProgress } from '../../util/progress.js';
import { maxImagePixelsFlag } from '../dataset-flags.js';
import { ranged } from '../ranged.js';

interface CalibrateArgs extends ModelFlagArgs {
  run: string;
  dataset?: string;
  'val-size'?: number;
  seed?: number;
  strict?: boolean;
  'max-image-pixels'?: number;
  out?: string;
  force?: boolean;
  'data-dir'?: string;
  bins: number;
  tpr: number;
  'batch-size': number;
  threads?: number;
  backend: BackendName;
  quiet: boolean;
}

export const calibrateCommand: CommandModule<object, CalibrateArgs> = {
  command: 'calibrate <run>',
  describe: "Fit temperature scaling on a run's validation split (or a held-out split of --dataset for an .onnx made elsewhere) and write a calibrated model with an OOD threshold",
  builder: (y) =>
    withModelFlags(
      y
        .example('$0 calibrate runs/icm', 'writes runs/icm/model.calibrated.onnx and runs/icm/calibration.json')
        .example('$0 eval runs/icm/model.calibrated.onnx', 'then evaluate the calibrated model')
        .example('$0 calibrate resnet.onnx --dataset cifar10 --data-dir ./cifar --mean 0.49,0.48,0.45 --std 0.25', 'a model made elsewhere: writes resnet.calibrated.onnx and resnet.calibrated.calibration.json')
        .positional('run', { type: 'string', demandOption: true, describe: 'a run folder written by icmix train, or an .onnx image classifier (then name its data with --dataset)' })
        .option('out', { type: 'string', describe: 'path of the calibrated model (default <run>/model.calibrated.onnx, or <model>.calibrated.onnx)' })
        .option('force', { type: 'boolean', describe: 'replace an --out file (or its .calibration.json) made from other weights, another model, or not by icmix' })
        .option('data-dir', { type: 'string', describe: "dataset folder (default: the run's --data-dir)" })
        .option('dataset', { type: 'string', group: 'Models made elsewhere (override the model\'s metadata):', describe: "an .onnx file's data (default: its icmix.dataset metadata); T is fitted on a validation split held out of its training set, never on the test split" })
        .option(...ranged('val-size', CALIBRATE_MODEL_RULES.valSize, { group: 'Models made elsewhere (override the model\'s metadata):', describe: 'an .onnx file: validation images held out of the training set, stratified (default: as icmix train, 10% up to 5000)' }))
        .option(...ranged('seed', CALIBRATE_MODEL_RULES.seed, { group: 'Models made elsewhere (override the model\'s metadata):', describe: 'an .onnx file: seed of the hold-out (default 0, as icmix train)' }))
        .option('strict', { type: 'boolean', group: 'Models made elsewhere (override the model\'s metadata):', describe: 'folder:<dir> datasets: stop at a file that does not decode' })
        .option(...maxImagePixelsFlag('Models made elsewhere (override the model\'s metadata):'))
      .option(...ranged('bins', CALIBRATE_RULES.bins, { default: 15, describe: 'equal-width ECE bins for the before/after table' }))
      .option(...ranged('tpr', CALIBRATE_RULES.tpr, { default: DEFAULT_OOD_TPR, describe: 'the OOD threshold keeps this fraction of validation images as in-distribution (max-softmax score after T)' }))
      .option(...ranged('batch-size', CALIBRATE_RULES.batchSize, { default: 256 }))
      .option(...ranged('threads', CALIBRATE_RULES.threads, { describe: 'onnxruntime intra-op threads' }))
      .option('backend', { choices: BACKEND_NAMES, default: 'auto' as const, describe: 'tfjs backend for loading and exporting the trained model' })
        .option('quiet', { type: 'boolean', default: false, describe: 'no progress on stderr' })
        .epilogue(
          'The validation split is regenerated from the run manifest (dataset, protocol, seed). T minimises the validation NLL of ' +
            'softmax(logits / T); the calibrated graph outputs those probabilities and records T and the OOD threshold in its metadata. ' +
            'A model that outputs probabilities is calibrated on their log (the logits up to one constant per image, which softmax ignores).',
        ),
    ),
  handler: async (a) => {
    const progress = a.quiet ? undefined : renderProgress({ prefix: 'icmix calibrate: ' });
    if (isFile(a.run)) {
      const r = await calibrateModel(a.run, {
        dataset: a.dataset,
        dataDir: a.dataDir,
        valSize: a.valSize,
        seed: a.seed,
        strict: a.strict,
        maxImagePixels: a.maxImagePixels,
        overrides: await modelOverrides(a),
        out: a.out,
      force: a.force,
        bins: a.bins,
        tpr: a.tpr,
        batchSize: a.batchSize,
        threads: a.threads,
        onProgress: progress,
      });
      const f = r.fit;
      printResult(r, `the validation split: ${f.valSize} images, ${f.splitHow}${f.logitsFrom === 'logits' ? '' : '; the model outputs probabilities, so T scales their log'}`);
      return;
    }
    const foreignOnly = (['dataset', 'val-size', 'seed', 'strict', 'max-image-pixels', 'input-layout', 'mean', 'std', 'normalize', 'input-range', 'output', 'class-names'] as const).filter((k) => a[k] !== undefined);
    if (foreignOnly.length) {
      const flags = foreignOnly.map((k) => (k === 'normalize' && a.normalize === false ? '--no-normalize' : `--${k}`));
      throw new IcmixError(`${flags.join(', ')} ${foreignOnly.length > 1 ? 'are' : 'is'} for an .onnx file made elsewhere; ${a.run} is a run folder, whose data and split come from its manifest`);
    }
    // A run never exported: export its logits graph into a scratch folder (the run keeps no
    // model.onnx it did not ask for), then calibrate that.
    let scratch: string | undefined;
    let source: { path: string; weightsSha256: string } | undefined;
    if (!existsSync(runPaths(a.run).onnx)) {
      scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'icmix-calibrate-export-'));
      progress?.({ task: 'calibrate', message: `no ${RUN_FILES.onnx} in ${a.run}; exporting the run to ONNX (logits)` });
      await useBackend(a.backend ?? 'auto');
      source = await exportRun(a.run, { out: path.join(scratch, 'logits.onnx'), verify: false });
    }
    const r = await calibrateRun(a.run, {
      source,
      out: a.out,
      force: a.force,
      dataDir: a.dataDir,
      bins: a.bins,
      tpr: a.tpr,
      batchSize: a.batchSize,
      threads: a.threads,
      backend: a.backend,
      onProgress: progress,
    }).finally(() => scratch && fs.rm(scratch, { recursive: true, force: true }));
    printResult(r, `the ${r.calibration.fitSplit} split`);
  },
};

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The fit, the before/after table on the test split, and what was written. */
function printResult(r: CalibrateResult, fittedOn: string): void {
  const c = r.calibration;
  process.stdout.write(
    `T = ${num(c.temperature, 4)} (NLL ${num(c.fitNllBefore)} → ${num(c.fitNllAfter)}), fitted on ${fittedOn}\n` +
      `OOD threshold: max softmax >= ${num(r.oodThreshold.threshold, 4)} (${pct(r.oodThreshold.tpr)} of validation images kept)\n\n` +
      mdTable(
        ['test split', 'accuracy', 'NLL', 'ECE', 'Brier'],
        [
          ['before (T = 1)', pct(c.before.accuracy), num(c.before.nll), pct(c.before.ece), num(c.before.brier)],
          [`after (T = ${num(c.temperature, 3)})`, pct(c.after.accuracy), num(c.after.nll), pct(c.after.ece), num(c.after.brier)],
        ],
      ) +
      `\nwrote ${r.path} (checked: max |Δp| ${r.verificationMaxAbsDiff.toExponential(2)} against softmax(logits / T)) and ${r.calibrationFile}\n`,
  );
}
