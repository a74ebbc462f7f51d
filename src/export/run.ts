import type * as tfl from '@tensorflow/tfjs-layers';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { loadDataset, shapeOptions } from '../data/index.js';
import { loadLayersModelWithFingerprint, loadRunModel, MODEL_FILES, RUN_FILES, runPaths, type RunManifest } from '../run/index.js';
import { META } from '../types.js';
import { writeFileAtomic } from '../util/atomic.js';
import { IcmixError } from '../util/errors.js';
import { ICMIX_VERSION } from '../version.js';
import { exportOnnx, IR_VERSION_FOR_OPSET } from './convert.js';
import { findTrailingSoftmax } from '../run/softmax-head.js';
import { checkOptions, nonNegative, nonNegativeInt, positive, positiveInt, type RuleTable } from '../util/ranges.js';
import type { ExportOptions, VerifyResult } from './types.js';
import { DEFAULT_TOLERANCE, verifyOnnx } from './verify.js';
import { checkReplaceable } from '../run/replace.js';

export interface ExportRunOptions extends ExportOptions {
  /** Where to write the .onnx (default <runDir>/model.onnx). */
  out?: string;
  /** Replace an --out file made from other weights, or not by icmix (default: refuse). */
  force?: boolean;
  /** Compare with tfjs in onnxruntime-node before writing (default true). */
  verify?: boolean;
  /** Max abs output difference that verification accepts (default 1e-4)... */
  tolerance?: number;
  /** ...plus this times |tfjs value| (default 1e-6; see VerifyOptions). */
  relativeTolerance?: number;
  /** Random inputs for verification (default 16). */
  verifySamples?: number;
  /** Test images of the run's dataset for verification, when it can be loaded (default 32; 0 = none). */
  realSamples?: number;
  /** ONNX Runtime's intra-op threads for verification (default: every core; a study cell passes its share of the cores). */
  threads?: number;
  /** Progress lines (the CLI prints them on stderr). */
  log?: (line: string) => void;
}

/** The allowed range of every numeric export option (the CLI's flags use the same table). */
export const EXPORT_RULES: RuleTable<ExportRunOptions> = {
  opset: { type: 'int', values: Object.keys(IR_VERSION_FOR_OPSET).map(Number) },
  temperature: positive,
  tolerance: nonNegative,
  relativeTolerance: nonNegative,
  verifySamples: positiveInt,
  realSamples: nonNegativeInt,
  threads: positiveInt,
};

export interface ExportRunResult {
  path: string;
  bytes: number;
  verification?: VerifyResult;
  /** Fingerprint of the weights exported (also in the metadata as icmix.weights_sha256). */
  weightsSha256: string;
}

/** ONNX metadata from a run manifest (META keys). */
export function manifestMetadata(manifest: RunManifest): Record<string, string> {
  const meta: Record<string, string> = {
    [META.classNames]: JSON.stringify(manifest.classNames),
    [META.inputShape]: JSON.stringify(manifest.inputShape),
    [META.dataset]: manifest.dataset?.name ?? '',
    [META.version]: ICMIX_VERSION,
  };
  const method = manifest.config?.method;
  if (typeof method === 'string') meta[META.method] = method;
  return meta;
}

/** The first `k` test images of the run's dataset, or undefined (with a note) when it cannot be loaded. */
async function realImages(
  manifest: RunManifest,
  k: number,
  log: (l: string) => void,
): Promise<{ data: Float32Array; n: number } | undefined> {
  if (k <= 0 || !manifest.dataset?.name) return undefined;
  try {
    const dir = typeof manifest.config?.dataDir === 'string' ? manifest.config.dataDir : undefined;
    const { test } = await loadDataset(manifest.dataset.name, { dir, ...shapeOptions(manifest.dataset.name, manifest.inputShape) });
    const shape = test.shape;
    if (shape.join() !== manifest.inputShape.join()) return undefined;
    const n = Math.min(k, test.labels.length);
    const per = shape[0] * shape[1] * shape[2];
    return { data: test.images.slice(0, n * per), n };
  } catch (e) {
    log(`verification: no real images (${(e as Error).message}); comparing on random inputs only`);
    return undefined;
  }
}

/**
 * Export a run folder's trained model (or a bare tfjs model folder holding model.json) to ONNX:
 * metadata from the manifest, verification against tfjs in onnxruntime-node, then an atomic
 * write. A model that fails verification is not written unless `verify` is false.
 */
export async function exportRun(runDir: string, opts: ExportRunOptions = {}): Promise<ExportRunResult> {
  checkOptions(opts, EXPORT_RULES, 'export');
  const log = opts.log ?? (() => {});
  let model: tfl.LayersModel;
  let manifest: RunManifest | undefined;
  let weightsSha256: string;
  if (!existsSync(path.join(runDir, RUN_FILES.manifest)) && existsSync(path.join(runDir, MODEL_FILES.json))) {
    ({ model, weightsSha256 } = await loadLayersModelWithFingerprint(runDir));
  } else {
    // Refuses a model/ that is not the weights the manifest records (see src/run).
    ({ model, manifest, weightsSha256 } = await loadRunModel(runDir));
  }
  const normalization = opts.normalization ?? manifest?.normalization;
  const options: ExportOptions = {
    ...opts,
    normalization,
    metadata: { ...(manifest ? manifestMetadata(manifest) : {}), [META.weightsSha256]: weightsSha256, ...(opts.metadata ?? {}) },
  };
  log(`exporting ${runDir} (${model.layers.length} layers) to ONNX opset ${opts.opset ?? 13}`);
  // An --out elsewhere may hold another run's export or a user's file: refused, not replaced.
  // The run's own model.onnx is its output, remade from whatever weights it now has.
  if (opts.out !== undefined && path.resolve(opts.out) !== path.resolve(runPaths(runDir).onnx)) await checkReplaceable(opts.out, { weightsSha256 }, { force: opts.force, flag: '--out' });
  const head = findTrailingSoftmax(model);
  if (head) {
    log(
      `the model's last layer '${head.layer.name}' applies softmax; exporting its input as the logits output instead ` +
        `(${META.softmaxStripped}=true), since eval, calibrate and serve apply softmax themselves`,
    );
  }
  const bytes = exportOnnx(model, options);
  const out = opts.out ?? runPaths(runDir).onnx;

  let verification: VerifyResult | undefined;
  if (opts.verify !== false) {
    const images = manifest ? await realImages(manifest, opts.realSamples ?? 32, log) : undefined;
    log(`verifying against tfjs in onnxruntime-node on ${opts.verifySamples ?? 16} random${images ? ` and ${images.n} real` : ''} inputs`);
    verification = await verifyOnnx(model, bytes, {
      inputLayout: opts.inputLayout,
      normalization,
      bakeNormalization: opts.bakeNormalization,
      probabilities: opts.probabilities,
      temperature: opts.temperature,
      tolerance: opts.tolerance ?? DEFAULT_TOLERANCE,
      relativeTolerance: opts.relativeTolerance,
      samples: opts.verifySamples,
      images,
      threads: opts.threads,
    });
    if (!verification.passed) {
      throw new IcmixError(
        `the ONNX model differs from tfjs by up to ${verification.maxAbsDiff.toExponential(2)} (tolerance ${verification.tolerance} + ${verification.relativeTolerance} x |value|; ` +
          `top-1 agreement ${(verification.top1Agreement * 100).toFixed(1)}%), so ${out} was not written. ` +
          'Raise --tolerance if this is float noise, or pass --no-verify to write it anyway.',
      );
    }
  }
  await writeFileAtomic(out, bytes);
  log(`wrote ${out} (${(bytes.length / 1024).toFixed(0)} KiB)`);
  return { path: out, bytes: bytes.length, verification, weightsSha256 };
}
