/**
 * The OOD suite: sets to tell apart from the in-distribution test split. A name is either a
 * synthetic set (ood-synthetic.ts) or any dataset icmix reads (its test split), e.g. 'mnist' for
 * a Fashion-MNIST model; its images must have the model's shape.
 */
import { loadDataset, shapeOptions } from '../../data/index.js';
import type { ImageShape } from '../../types.js';
import { IcmixError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import { getSyntheticOod, SYNTHETIC_OOD } from './ood-synthetic.js';
import { gather, sampleIndices, type EvalImages } from './types.js';


/** Far-OOD datasets used by default for a training dataset (others: name them with --ood). */
const DEFAULT_OOD_DATASETS: Record<string, string[]> = {
  'fashion-mnist': ['mnist'],
  mnist: ['fashion-mnist'],
};

/** The default OOD names for a dataset: its paired dataset (if any), then every synthetic set. */
export function defaultOodNames(dataset: string): string[] {
  return [...(DEFAULT_OOD_DATASETS[dataset] ?? []), ...SYNTHETIC_OOD.map((s) => s.name)];
}

export interface OodSet extends EvalImages {
  name: string;
  kind: 'far' | 'near';
  /** Where the images came from. */
  source: string;
}

export interface OodSuiteOptions {
  /** OOD set names (default defaultOodNames(dataset)). */
  names?: string[];
  /** The in-distribution dataset's name (for defaults, and to refuse it as its own OOD set). */
  dataset?: string;
  /** At most this many images per OOD set (seeded subset); default: as many as the ID set. */
  samples?: number;
  /** Folder for OOD datasets that need one (e.g. cifar100). */
  dataDir?: string;
  seed: number;
}

/**
 * Build the OOD sets for an in-distribution test set [n, h, w, c]. Synthetic sets have as many
 * images as the ID set (or `samples`); dataset sets use their test split (subsampled likewise).
 */
export async function buildOodSets(id: { images: Float32Array; shape: ImageShape; n: number }, opts: OodSuiteOptions): Promise<OodSet[]> {
  const names = opts.names ?? defaultOodNames(opts.dataset ?? '');
  const [h, w, c] = id.shape;
  const size = h * w * c;
  const count = Math.min(id.n, opts.samples ?? id.n);
  const out: OodSet[] = [];
  for (const name of names) {
    if (out.some((s) => s.name === name)) throw new IcmixError(`OOD set '${name}' is named twice`);
    if (name === opts.dataset) throw new IcmixError(`'${name}' is the in-distribution dataset; name a different dataset as OOD`);
    const rng = new Rng(opts.seed).fork(`ood:${name}`);
    const syn = getSyntheticOod(name);
    if (syn) {
      const idx = sampleIndices(id.n, count, opts.seed, `ood-id:${name}`);
      const images = syn.make(gather(id.images, size, idx), idx.length, id.shape, rng);
      out.push({ key: `ood:${name}`, name, kind: syn.kind, source: `synthetic: ${syn.description}, seed ${opts.seed}`, images, n: idx.length, shape: id.shape });
      continue;
    }
    let loaded;
    try {
      loaded = await loadDataset(name, { dir: opts.dataDir, ...shapeOptions(name, id.shape) });
    } catch (e) {
      throw new IcmixError(`OOD set '${name}' is neither a synthetic set (${SYNTHETIC_OOD.map((s) => s.name).join(', ')}) nor a loadable dataset: ${(e as Error).message}`);
    }
    const t = loaded.test;
    if (t.shape.join() !== id.shape.join()) {
      throw new IcmixError(`OOD dataset '${name}' has images of [${t.shape}] but the model takes [${id.shape}]; name an OOD dataset with the same image shape`);
    }
    const idx = sampleIndices(t.labels.length, opts.samples ?? Math.max(count, 0), opts.seed, `ood:${name}`);
    out.push({ key: `ood:${name}`, name, kind: 'far', source: `${name} test split (${loaded.source})`, images: gather(t.images, size, idx), n: idx.length, shape: id.shape });
  }
  return out;
}
