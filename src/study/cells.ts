import { isDatasetName, listDatasets } from '../data/index.js';
import { DEFAULT_CORRUPTION_SAMPLES } from '../infer/evaluate.js';
import { defaultOodNames, SUITE_NAMES } from '../infer/suites/index.js';
import { DEFAULT_RUNTIME } from '../infer/runtimes/types.js';
import { checkSchedule, TRAIN_DEFAULTS, TRAIN_RULES, type TrainConfig } from '../train/config.js';
import { checkOptions } from '../util/ranges.js';
import { getMethod, listMethods } from '../train/methods/presets.js';
import { listModels } from '../train/models/index.js';
import { IcmixError } from '../util/errors.js';
import type { Cell, CellEvalSettings, Protocol, ProtocolKind, ProtocolSpec, Study, StudySpec, TuneGroup, TuneSpec } from './types.js';
import { tuneCellId, tuneGroupId } from './tune.js';

/** The protocol shorthands a study file may use. */
export const PROTOCOL_SHORTHANDS: Record<string, ProtocolSpec> = {
  balanced: { kind: 'balanced' },
  lt10: { kind: 'long-tailed', imbalance: 10 },
  lt100: { kind: 'long-tailed', imbalance: 100 },
  dc25: { kind: 'data-constrained', perClass: 25 },
  dc100: { kind: 'data-constrained', perClass: 100 },
};

/** Default protocol id: 'balanced', 'lt<rho>', 'dc<N>' (+ '-sub<K>' with a training subset). */
export function protocolId(p: ProtocolSpec): string {
  if (p.id) return p.id;
  const base = p.kind === 'long-tailed' ? `lt${p.imbalance}` : p.kind === 'data-constrained' ? `dc${p.perClass}` : 'balanced';
  return p.trainSubset !== undefined && p.kind !== 'balanced' ? `${base}-sub${p.trainSubset}` : base;
}

/**
 * Whether a method is meaningful under a protocol. A `longTailOnly` preset (the Remix family)
 * rebalances the label lambda by training class counts; on balanced or per-class-capped data every
 * ratio is 1, so it reduces exactly to its non-Remix twin and would only duplicate that row.
 */
export function methodApplies(method: string, kind: ProtocolKind): boolean {
  return getMethod(method).longTailOnly ? kind === 'long-tailed' : true;
}

/** Stable cell id and run folder name. */
export function cellId(dataset: string, protocol: string, method: string, seed: number): string {
  // Names with a folder (folder:./pets, idx:/data/x) become one safe path component.
  const safe = dataset.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '');
  return `${safe}_${protocol}_${method}_seed${seed}`;
}

function resolveProtocol(p: string | ProtocolSpec, spec: StudySpec, index: number): Protocol {
  const ps = typeof p === 'string' ? PROTOCOL_SHORTHANDS[p] : p;
  if (!ps) throw new IcmixError(`protocols[${index}]: unknown protocol '${String(p)}'; use ${Object.keys(PROTOCOL_SHORTHANDS).join(', ')} or an object with kind`);
  const where = `protocols[${index}]`;
  for (const m of ps.methods ?? []) {
    if (!listMethods().includes(m)) throw new IcmixError(`${where}.methods: unknown method '${m}'; choose from ${listMethods().join(', ')}`);
  }
  const methods = ps.methods ?? spec.methods.filter((m) => methodApplies(m, ps.kind));
  return {
    id: protocolId(ps),
    kind: ps.kind,
    ...(ps.imbalance !== undefined ? { imbalance: ps.imbalance } : {}),
    ...(ps.perClass !== undefined ? { perClass: ps.perClass } : {}),
    ...(ps.trainSubset !== undefined ? { trainSubset: ps.trainSubset } : {}),
    ...(ps.epochs !== undefined ? { epochs: ps.epochs } : {}),
    ...(ps.batchSize !== undefined ? { batchSize: ps.batchSize } : {}),
    ...(ps.seeds !== undefined ? { seeds: ps.seeds } : {}),
    methods,
    ...(ps.tune ?? spec.tune ? { tune: resolveTune((ps.tune ?? spec.tune)!, spec) } : {}),
  };
}

/** A sweep with its defaults: the study's first seed, selected by validation accuracy. */
function resolveTune(t: TuneSpec, spec: StudySpec): Required<TuneSpec> {
  return { lr: t.lr, seeds: t.seeds ?? [spec.seeds[0]], select: t.select ?? 'val_accuracy', allowEdge: t.allowEdge ?? false };
}

/** The evaluation settings every cell shares. */
export function evalSettings(spec: StudySpec): CellEvalSettings {
  const e = spec.eval ?? {};
  return {
    runtimes: spec.runtimes ?? [DEFAULT_RUNTIME],
    suites: spec.suites ?? [...SUITE_NAMES],
    corruptionSamples: spec.corruptionSamples ?? DEFAULT_CORRUPTION_SAMPLES,
    ...(e.ood ? { ood: e.ood } : {}),
    ...(e.oodSamples !== undefined ? { oodSamples: e.oodSamples } : {}),
    ...(e.limit !== undefined ? { limit: e.limit } : {}),
    ...(e.corruptions ? { corruptions: e.corruptions } : {}),
    ...(e.severities ? { severities: e.severities } : {}),
    bins: e.bins ?? 15,
    ...(e.batchSize !== undefined ? { batchSize: e.batchSize } : {}),
    seed: e.seed ?? 0,
  };
}

/**
 * Expand a validated study file into its protocols and cells (dataset x protocol x method x
 * seed, in that nesting order), checking names the schema cannot know (datasets, methods, models).
 */
export function expandStudy(spec: StudySpec, file?: string): Study {
  const datasets = listDatasets();
  for (const d of spec.datasets) {
    if (!isDatasetName(d)) throw new IcmixError(`datasets: unknown dataset '${d}'; choose from ${datasets.join(', ')}`);
  }
  for (const m of spec.methods) {
    if (!listMethods().includes(m)) throw new IcmixError(`methods: unknown method '${m}'; choose from ${listMethods().join(', ')}`);
  }
  const models = listModels().map((m) => m.name);
  if (!models.includes(spec.model)) throw new IcmixError(`model: unknown model '${spec.model}'; choose from ${models.join(', ')}`);
  const protocols = spec.protocols.map((p, i) => resolveProtocol(p, spec, i));
  const seen = new Set<string>();
  for (const [i, p] of protocols.entries()) {
    if (seen.has(p.id)) throw new IcmixError(`protocols[${i}]: protocol id '${p.id}' appears twice; give one of them an id`);
    seen.add(p.id);
  }
  const compare = spec.compare ?? { method: 'icm', baseline: 'mixup' };
  const evalCfg = evalSettings(spec);
  const cells: Cell[] = [];
  const tuneCells: Cell[] = [];
  const tuning: TuneGroup[] = [];
  for (const dataset of spec.datasets) {
    for (const p of protocols) {
      for (const method of p.methods) {
        const group = p.tune ? tuneGroup(dataset, p, method) : undefined;
        if (group) tuning.push(group);
        // The tune cells train as the method's cells do, at each swept lr and tune seed.
        for (const [lr, seed] of group ? group.lr.flatMap((lr) => group.seeds.map((s) => [lr, s] as const)) : []) {
          const train = cellTrain(spec, p, dataset, method, seed, file);
          if (train.valSize === 0) throw new IcmixError(`${file ?? 'study'}: protocol ${p.id}: tune needs a validation split to score on; remove train.valSize: 0`);
          tuneCells.push({ id: tuneCellId(group!.group, lr, seed), dataset, protocol: p.id, method, seed, train: { ...train, lr }, eval: evalCfg, tune: { group: group!.group, lr } });
        }
        for (const seed of p.seeds ?? spec.seeds) {
          const train = cellTrain(spec, p, dataset, method, seed, file);
          cells.push({ id: cellId(dataset, p.id, method, seed), dataset, protocol: p.id, method, seed, train, eval: evalCfg, ...(group ? { tuned: group } : {}) });
        }
      }
    }
  }
  const reportedOod: Record<string, string | undefined> = {};
  for (const d of spec.datasets) reportedOod[d] = evalCfg.suites.includes('ood') ? (evalCfg.ood ?? defaultOodNames(d))[0] : undefined;
  return { spec, ...(file ? { file } : {}), protocols, cells, tuneCells, tuning, compare, reportedOod };
}

function tuneGroup(dataset: string, p: Protocol, method: string): TuneGroup {
  const t = p.tune!;
  const group = tuneGroupId(dataset, p.id, method);
  return { group, dataset, protocol: p.id, method, lr: t.lr, seeds: t.seeds, select: t.select, allowEdge: t.allowEdge, cells: t.lr.flatMap((lr) => t.seeds.map((s) => tuneCellId(group, lr, s))) };
}

/** icmix train's config for one cell (checked with the rules training itself applies). */
function cellTrain(spec: StudySpec, p: Protocol, dataset: string, method: string, seed: number, file: string | undefined): Omit<TrainConfig, 'out'> {
  const train: Omit<TrainConfig, 'out'> = {
    ...TRAIN_DEFAULTS,
    ...stripUndefined(spec.train ?? {}),
    dataset,
    ...(spec.dataDir !== undefined ? { dataDir: spec.dataDir } : {}),
    model: spec.model,
    width: spec.width ?? TRAIN_DEFAULTS.width,
    method,
    epochs: p.epochs ?? spec.epochs,
    batchSize: p.batchSize ?? spec.batchSize ?? TRAIN_DEFAULTS.batchSize,
    ...(p.imbalance !== undefined ? { imbalance: p.imbalance } : {}),
    ...(p.perClass !== undefined ? { perClass: p.perClass } : {}),
    ...(p.trainSubset !== undefined ? { trainSubset: p.trainSubset } : {}),
    seed,
  };
  // The schema bounds each field; the train rules are the ones training itself applies.
  const where = `${file ?? 'study'}: cell ${cellId(dataset, p.id, method, seed)}: train`;
  checkOptions(train, TRAIN_RULES, where);
  checkSchedule(train, where);
  return train;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Every cell in run and `--cell` index order: the tune cells first, then the main cells. */
export function allCells(study: Pick<Study, 'cells' | 'tuneCells'>): Cell[] {
  return [...(study.tuneCells ?? []), ...study.cells];
}
