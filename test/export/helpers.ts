/**
 * Shared by the export tests: seeded weights, export + ORT-vs-tfjs check, and Debian's onnx
 * checker over every file a test file wrote.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type * as tfl from '@tensorflow/tfjs-layers';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportOnnx, inspectOnnx, verifyOnnx, type ExportOptions, type OnnxSummary, type VerifyResult } from '../../src/export/index.js';
import { Rng } from '../../src/util/rng.js';

tf.env().set('PROD', true);

export async function cpuBackend(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

export const TOLERANCE = 1e-4;
const HERE = path.dirname(fileURLToPath(import.meta.url));
export const CHECKER = path.join(HERE, 'check_onnx.py');
const OUT = mkdtempSync(path.join(tmpdir(), 'icmix-export-test-'));
const written: string[] = [];

/**
 * Replace every weight with seeded values of a sensible scale: He-scaled kernels, small biases,
 * and batch-norm statistics far from the identity (so folding and epsilon matter).
 */
export function randomizeWeights(model: tfl.LayersModel, seed: number, opts: { smallVariance?: boolean } = {}): void {
  const rng = new Rng(seed);
  for (const w of model.weights) {
    const key = (w.originalName ?? w.name).split('/').pop()!;
    const shape = w.shape as number[]; // weights have no unknown dims
    const n = shape.reduce((a, b) => a * b, 1);
    const u = (lo: number, hi: number) => lo + (hi - lo) * rng.next();
    let values: number[];
    // With tiny variances, small gammas keep activations O(1) while epsilon still moves them ~20%.
    if (key === 'gamma') values = Array.from({ length: n }, () => (opts.smallVariance ? u(0.02, 0.06) : u(0.5, 1.5)));
    else if (key === 'moving_variance') values = Array.from({ length: n }, () => (opts.smallVariance ? u(1e-3, 3e-3) : u(0.5, 1.5)));
    else if (key === 'beta' || key === 'moving_mean' || key === 'bias') values = Array.from({ length: n }, () => 0.2 * rng.normal());
    else if (key === 'alpha') values = Array.from({ length: n }, () => 0.25 * rng.normal());
    else {
      // Kernels: fan-in is everything but the last axis (output channels or depth multiplier).
      const fanIn = n / shape[shape.length - 1];
      const scale = Math.sqrt(2 / Math.max(1, fanIn));
      values = Array.from({ length: n }, () => scale * rng.normal());
    }
    w.write(tf.tensor(values, shape));
  }
}

export interface Checked {
  bytes: Uint8Array;
  summary: OnnxSummary;
  verification: VerifyResult;
  file: string;
}

/**
 * Export `model`, run it in onnxruntime-node next to tfjs (max |diff| <= 1e-4 and identical
 * top-1), and queue the file for the onnx checker.
 */
export async function exportAndCheck(
  label: string,
  model: tfl.LayersModel,
  opts: ExportOptions = {},
  verify: { samples?: number; images?: { data: Float32Array; n: number } } = {},
): Promise<Checked> {
  const bytes = exportOnnx(model, opts);
  const verification = await verifyOnnx(model, bytes, {
    inputLayout: opts.inputLayout,
    normalization: opts.normalization,
    bakeNormalization: opts.bakeNormalization,
    probabilities: opts.probabilities,
    temperature: opts.temperature,
    samples: verify.samples ?? 8,
    images: verify.images,
    seed: 7,
  });
  assert.ok(
    verification.maxAbsDiff <= TOLERANCE,
    `${label}: ORT and tfjs differ by ${verification.maxAbsDiff} (> ${TOLERANCE})`,
  );
  assert.equal(verification.top1Agreement, 1, `${label}: top-1 disagrees on some inputs`);
  assert.ok(verification.passed);
  const file = path.join(OUT, `${label.replace(/[^A-Za-z0-9_.-]/g, '_')}.onnx`);
  writeFileSync(file, bytes);
  written.push(file);
  return { bytes, summary: inspectOnnx(bytes), verification, file };
}

export interface CheckerLine {
  path?: string;
  ok?: boolean;
  error?: string;
  ir_version?: number;
  opset?: number[];
  outputs?: Record<string, (number | string)[] | null>;
}

/** Run check_onnx.py (Debian's /usr/bin/python3 with python3-onnx) on files; fails if it cannot run. */
export function runChecker(files: string[]): CheckerLine[] {
  const r = spawnSync('/usr/bin/python3', [CHECKER, ...files], { encoding: 'utf8' });
  assert.ok(!r.error, `cannot run /usr/bin/python3 (${r.error?.message}); the ONNX checker needs Debian's python3 with python3-onnx`);
  const lines = r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as CheckerLine);
  assert.notEqual(r.status, 3, `python3-onnx is missing: ${lines[0]?.error ?? r.stderr}`);
  const bad = lines.filter((l) => !l.ok);
  assert.equal(r.status, 0, `onnx checker rejected: ${JSON.stringify(bad, null, 1)}\n${r.stderr}`);
  assert.equal(lines.length, files.length);
  return lines;
}

/** Check every file exported so far in this test file; returns the checker's lines. */
export function checkAllWritten(): CheckerLine[] {
  assert.ok(written.length > 0, 'no models were exported');
  return runChecker(written);
}

/** Seeded inputs in [0, 1], NHWC. */
export function pixels(n: number, shape: number[], seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * shape.reduce((a, b) => a * b, 1) }, () => rng.next());
}
