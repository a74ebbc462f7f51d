import type { CommandModule } from 'yargs';
import { BACKEND_NAMES, useBackend, type BackendName } from '../../backend/select.js';
import { DEFAULT_OPSET, DEFAULT_RELATIVE_TOLERANCE, DEFAULT_TOLERANCE, EXPORT_RULES, exportRun, type VerifyResult } from '../../export/index.js';
import { ranged } from '../ranged.js';

interface ExportArgs {
  run: string;
  out?: string;
  force?: boolean;
  opset: number;
  'input-layout': 'nhwc' | 'nchw';
  probabilities: boolean;
  temperature?: number;
  'bake-normalization': boolean;
  'fold-bn': boolean;
  verify: boolean;
  tolerance: number;
  'relative-tolerance': number;
  samples: number;
  'real-samples': number;
  backend: BackendName;
  quiet: boolean;
}

/** One line per compared set plus the verdict. */
export function formatVerification(v: VerifyResult): string {
  const lines = v.sets.map(
    (s) =>
      `  ${s.name.padEnd(6)} ${String(s.samples).padStart(4)} inputs  max |diff| ${s.maxAbsDiff.toExponential(2)}  ` +
      `mean |diff| ${s.meanAbsDiff.toExponential(2)}  top-1 agreement ${(s.top1Agreement * 100).toFixed(1)}%`,
  );
  return [
    `verification (${v.output}, onnxruntime-node vs tfjs): ${v.passed ? 'passed' : 'FAILED'}, max |diff| ${v.maxAbsDiff.toExponential(2)} ` +
      `(tolerance ${v.tolerance} + ${v.relativeTolerance} x |value|)`,
    ...lines,
  ].join('\n');
}

export const exportCommand: CommandModule<object, ExportArgs> = {
  command: 'export <run>',
  describe: "Convert a run's trained tfjs model to ONNX, verified against tfjs in ONNX Runtime",
  builder: (y) =>
    y
      .example('$0 export runs/icm', 'writes runs/icm/model.onnx (logits, NHWC input, normalised pixels)')
      .example('$0 export runs/icm --probabilities --temperature 1.7 --bake-normalization --out deploy.onnx', 'one file that takes raw [0,1] pixels and returns calibrated probabilities')
      .positional('run', { type: 'string', demandOption: true, describe: 'a run folder written by `icmix train` (or a folder with a tfjs model.json)' })
      .option('out', { type: 'string', describe: 'output file (default <run>/model.onnx)' })
      .option('force', { type: 'boolean', describe: 'replace an --out file made from other weights or not by icmix' })
      .option(...ranged('opset', EXPORT_RULES.opset, { default: DEFAULT_OPSET, describe: 'ONNX opset, 13 to 17 (the IR version follows)' }))
      .option('input-layout', { choices: ['nhwc', 'nchw'] as const, default: 'nhwc' as const, describe: 'layout of the graph input: NHWC like the tfjs model, or NCHW' })
      .option('probabilities', { type: 'boolean', default: false, describe: 'append Softmax: the output holds probabilities instead of logits' })
      .option(...ranged('temperature', EXPORT_RULES.temperature, { describe: 'divide the logits by this temperature in the graph (before any Softmax)' }))
      .option('bake-normalization', { type: 'boolean', default: false, describe: "put the run's (x - mean) / std into the graph, so it takes raw pixels in [0, 1]" })
      .option('fold-bn', { type: 'boolean', default: true, describe: 'fold BatchNormalization into the preceding convolution/dense layer (--no-fold-bn keeps it)' })
      .option('verify', { type: 'boolean', default: true, describe: 'compare ONNX Runtime with tfjs before writing (--no-verify skips it)', group: 'Verification:' })
      .option(...ranged('tolerance', EXPORT_RULES.tolerance, { default: DEFAULT_TOLERANCE, describe: 'largest |diff| of an output value that verification accepts', group: 'Verification:' }))
      .option(...ranged('relative-tolerance', EXPORT_RULES.relativeTolerance, { default: DEFAULT_RELATIVE_TOLERANCE, describe: 'each output may also differ by this times its magnitude (float32 rounding of large logits)', group: 'Verification:' }))
      .option(...ranged('samples', EXPORT_RULES.verifySamples, { default: 16, describe: 'random inputs to compare on', group: 'Verification:' }))
      .option(...ranged('real-samples', EXPORT_RULES.realSamples, { default: 32, describe: "test images of the run's dataset to compare on, when it loads (0 = none)", group: 'Verification:' }))
      .option('backend', { choices: BACKEND_NAMES, default: 'cpu' as const, describe: 'tfjs backend that loads the model and computes the reference outputs', group: 'Verification:' })
      .option('quiet', { type: 'boolean', default: false, describe: 'no progress on stderr, and on stdout only the line naming the file written' })
      .epilogue('The file carries icmix metadata (class names, normalisation, layout, temperature, method, dataset, version); `icmix inspect` shows it.'),
  handler: async (a) => {
    const log = a.quiet ? undefined : (m: string) => console.error(`icmix export: ${m}`);
    // Loading the tfjs model needs a backend even without verification.
    await useBackend(a.backend);
    const started = Date.now();
    const res = await exportRun(a.run, {
      out: a.out,
      force: a.force,
      opset: a.opset,
      inputLayout: a.inputLayout,
      probabilities: a.probabilities,
      temperature: a.temperature,
      bakeNormalization: a.bakeNormalization,
      foldBatchNorm: a.foldBn,
      verify: a.verify,
      tolerance: a.tolerance,
      relativeTolerance: a.relativeTolerance,
      verifySamples: a.samples,
      realSamples: a.realSamples,
      log,
    });
    console.log(`wrote ${res.path} (${(res.bytes / 1024).toFixed(0)} KiB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // --quiet: the file written and nothing else (a failed verification still throws, naming it).
    if (!a.quiet) console.log(res.verification ? formatVerification(res.verification) : 'verification skipped (--no-verify)');
    // End the process at once: nothing the wasm backend started should hold Node open.
    if (a.backend !== 'cpu') {
      await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
      process.exit(0);
    }
  },
};
