/**
 * The corruption suite: every registered corruption at severities 1..5, generated
 * deterministically from the test set (seeded per corruption and severity, so one set does not
 * depend on which others run). Adding a corruption = a module (or an entry in its family's
 * module) + one line here.
 */
import type { ImageShape } from '../../../types.js';
import { IcmixError } from '../../../util/errors.js';
import { Rng } from '../../../util/rng.js';
import { gather, sampleIndices, type EvalImages } from '../types.js';
import { BLUR } from './blur.js';
import { DIGITAL } from './digital.js';
import { ELASTIC } from './elastic.js';
import { GEOMETRIC } from './geometric.js';
import { NOISE } from './noise.js';
import { PHOTOMETRIC } from './photometric.js';
import { SEVERITIES, type Corruption } from './types.js';

export { SEVERITIES, type Corruption } from './types.js';

const CORRUPTIONS: Corruption[] = [
  ...NOISE,
  ...BLUR,
  ...PHOTOMETRIC,
  ...DIGITAL,
  ...GEOMETRIC,
  ...ELASTIC,
];

export function listCorruptions(): Corruption[] {
  return [...CORRUPTIONS];
}

export function getCorruption(name: string): Corruption {
  const c = CORRUPTIONS.find((x) => x.name === name);
  if (!c) throw new IcmixError(`unknown corruption '${name}'; choose from: ${CORRUPTIONS.map((x) => x.name).join(', ')}`);
  return c;
}

/** The Rng a corruption at a severity draws from: depends only on (seed, name, severity). */
export function corruptionRng(seed: number, name: string, severity: number): Rng {
  return new Rng(seed).fork(`corruption:${name}:${severity}`);
}

/** Corrupt images [n, h, w, c] in [0, 1] with one corruption at one severity (1..5). */
export function corrupt(images: Float32Array, n: number, shape: ImageShape, name: string, severity: number, seed: number): Float32Array {
  const c = getCorruption(name);
  if (!SEVERITIES.includes(severity as 1)) throw new IcmixError(`severity must be one of ${SEVERITIES.join(', ')}, got ${severity}`);
  return c.apply(images, n, shape, severity, corruptionRng(seed, name, severity));
}

export interface CorruptionSuiteOptions {
  /** Corruption names (default all). */
  names?: string[];
  severities?: number[];
  /** Evaluate on a seeded subset of this many test images (bounds time). */
  samples?: number;
  seed: number;
}

/** How many sets `corruptionSets` yields and the images in each, without corrupting any (for a progress total). */
export function corruptionSuiteSize(testSize: number, opts: Omit<CorruptionSuiteOptions, 'seed'>): { sets: number; n: number } {
  const names = opts.names ?? CORRUPTIONS.map((c) => c.name);
  const severities = opts.severities ?? [...SEVERITIES];
  // As sampleIndices: a cap at or above the test size keeps every image.
  const n = opts.samples === undefined || opts.samples >= testSize ? testSize : Math.max(0, opts.samples);
  return { sets: names.length * severities.length, n };
}

/**
 * The corruption sets, one per corruption × severity, generated lazily so only one is in
 * memory at a time. All use the same test subset.
 */
export function* corruptionSets(test: { images: Float32Array; labels: Int32Array; shape: ImageShape }, opts: CorruptionSuiteOptions): Generator<EvalImages & { corruption: string; severity: number }> {
  const names = opts.names ?? CORRUPTIONS.map((c) => c.name);
  for (const name of names) getCorruption(name);
  const severities = opts.severities ?? [...SEVERITIES];
  const size = test.shape[0] * test.shape[1] * test.shape[2];
  const idx = sampleIndices(test.labels.length, opts.samples, opts.seed, 'corruption-samples');
  const base = idx.length === test.labels.length ? test.images : gather(test.images, size, idx);
  const labels = Int32Array.from(idx, (i) => test.labels[i]);
  for (const name of names) {
    for (const severity of severities) {
      yield { key: `corruptions:${name}:${severity}`, corruption: name, severity, images: corrupt(base, idx.length, test.shape, name, severity, opts.seed), n: idx.length, shape: test.shape, labels };
    }
  }
}
