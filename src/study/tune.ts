/**
 * Learning-rate tuning as a study stage. A tune cell is an ordinary cell (own folder, claimed,
 * resumable, a Slurm array task) that only trains, at one swept lr, and records the last epoch's
 * validation accuracy in tune.json; it never runs the export, calibration or test evaluation.
 * The main cells of a method x protocol read their group's tune.json files and train at the lr
 * with the best mean validation accuracy over the tune seeds, the same lr for every seed.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readEpochLog } from '../run/index.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { canonicalJson } from '../util/canonical-json.js';
import { IcmixError } from '../util/errors.js';
import { CELL_FILES, type Cell, type TuneGroup } from './types.js';

/** tune.json: what a finished tune cell measured, on the validation split only. */
export interface TuneRecord {
  lr: number;
  seed: number;
  /** Validation accuracy after the last epoch; NaN (null in the file) when training diverged. */
  valAccuracy: number;
  /** Why training stopped, when its loss or weights became non-finite. */
  diverged?: string;
  epochs: number;
  /** The tune cell's training config, so a main cell can tell a record made with other settings. */
  train?: Cell['train'];
}

/** One lr of a group's sweep: mean validation accuracy over the tune seeds that finished. */
export interface TuneScore {
  lr: number;
  valAccuracy: number;
  n: number;
}

export interface TuneChoice {
  group: string;
  lr: number;
  scores: TuneScore[];
}

export function tuneGroupId(dataset: string, protocol: string, method: string): string {
  return `${dataset}_${protocol}_${method}`;
}

/** A tune cell's id: its group, the lr and the seed, prefixed so tune folders sort together. */
export function tuneCellId(group: string, lr: number, seed: number): string {
  return `tune_${group}_lr${lr}_seed${seed}`;
}

/**
 * The choice from a complete set of records: the lr with the highest mean validation accuracy
 * over its seeds; a tie goes to the lr listed first in the sweep. An lr that diverged on any seed
 * (a record with no finite accuracy) scores NaN and is never chosen: averaging only its surviving
 * seeds would favour an unstable lr. Pure: reads nothing but `records`.
 */
export function selectLr(group: TuneGroup, records: ReadonlyMap<string, TuneRecord>): TuneChoice {
  const scores: TuneScore[] = group.lr.map((lr) => {
    const recs = group.seeds.map((seed) => records.get(tuneCellId(group.group, lr, seed))).filter((r): r is TuneRecord => r !== undefined);
    const vals = recs.map((r) => r.valAccuracy).filter((v) => Number.isFinite(v));
    if (vals.length < recs.length) return { lr, valAccuracy: NaN, n: 0 };
    return { lr, valAccuracy: vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : NaN, n: vals.length };
  });
  let best: TuneScore | undefined;
  for (const s of scores) if (s.n > 0 && (!best || s.valAccuracy > best.valAccuracy)) best = s;
  if (!best) throw new IcmixError(`tune group ${group.group}: no tune cell has a finite validation accuracy (every swept lr diverged?); see the tune cells' log.jsonl under runs/`);
  return { group: group.group, lr: best.lr, scores };
}

/**
 * Record a finished tune cell's validation accuracy (the last epoch of its log) in tune.json; or,
 * given `diverged` (why its training stopped), a record of NaN accuracy, so the sweep goes on
 * without that lr instead of waiting for a cell that can never finish.
 */
export async function writeTuneRecord(cell: Cell, runDir: string, diverged?: string): Promise<TuneRecord> {
  if (diverged !== undefined) {
    const record: TuneRecord = { lr: cell.train.lr, seed: cell.seed, valAccuracy: NaN, epochs: cell.train.epochs, diverged, train: cell.train };
    await writeJsonAtomic(path.join(runDir, CELL_FILES.tune), record);
    return record;
  }
  const logs = await readEpochLog(runDir);
  const last = logs[logs.length - 1];
  if (!last || last.epoch !== cell.train.epochs) throw new IcmixError(`tune cell ${cell.id}: ${runDir} has no log line for its last epoch (${cell.train.epochs}); training did not finish`);
  if (!(cell.train.valSize === undefined || cell.train.valSize > 0)) throw new IcmixError(`tune cell ${cell.id}: no validation split to score on`);
  const record: TuneRecord = { lr: cell.train.lr, seed: cell.seed, valAccuracy: last.valAccuracy, epochs: last.epoch, train: cell.train };
  await writeJsonAtomic(path.join(runDir, CELL_FILES.tune), record);
  return record;
}

export async function readTuneRecord(runDir: string): Promise<TuneRecord | undefined> {
  return readTuneRecordSync(runDir);
}

/** readTuneRecord, synchronously (the cell-state checks read many folders at once). */
export function readTuneRecordSync(runDir: string): TuneRecord | undefined {
  const file = path.join(runDir, CELL_FILES.tune);
  if (!existsSync(file)) return undefined;
  const r = JSON.parse(readFileSync(file, 'utf8')) as TuneRecord;
  // JSON has no NaN: a diverged record's accuracy is written as null.
  return { ...r, valAccuracy: typeof r.valAccuracy === 'number' ? r.valAccuracy : NaN };
}

/**
 * For a tuned main cell that recorded its choice (tuned.json): the lr its group chooses now, when
 * that differs from the recorded one (its tune cells were rerun since), else undefined. A group
 * with unfinished or unscored tune cells has no "now" to compare and gives undefined.
 */
export function staleTuneChoice(cell: Cell, runDir: string): { trainedAt: number; now: number } | undefined {
  if (!cell.tuned) return undefined;
  const file = path.join(runDir, CELL_FILES.tuned);
  if (!existsSync(file)) return undefined;
  const trainedAt = (JSON.parse(readFileSync(file, 'utf8')) as TuneChoice).lr;
  const runsDir = path.dirname(runDir);
  const records = new Map<string, TuneRecord>();
  for (const id of cell.tuned.cells) {
    const r = readTuneRecordSync(path.join(runsDir, id));
    if (!r) return undefined;
    records.set(id, r);
  }
  let now: number;
  try {
    now = selectLr(cell.tuned, records).lr;
  } catch {
    return undefined;
  }
  return now === trainedAt ? undefined : { trainedAt, now };
}

/** The group's finished records, read from the tune cells' folders under `runsDir`. */
export async function readGroupRecords(group: TuneGroup, runsDir: string): Promise<Map<string, TuneRecord>> {
  const records = new Map<string, TuneRecord>();
  for (const id of group.cells) {
    const r = await readTuneRecord(path.join(runsDir, id));
    if (r) records.set(id, r);
  }
  return records;
}

/**
 * The lr a tuned main cell trains at, chosen from its group's tune cells in `runsDir` (the study's
 * runs/ folder); an error naming the tune cells that have not finished.
 */
export async function chosenLr(cell: Cell & { tuned: TuneGroup }, runsDir: string): Promise<TuneChoice> {
  const group = cell.tuned;
  const records = await readGroupRecords(group, runsDir);
  const missing = group.cells.filter((id) => !records.has(id));
  if (missing.length) {
    throw new IcmixError(
      `cell ${cell.id} trains at the lr its tune cells choose, and ${missing.length} of them ${missing.length > 1 ? 'have' : 'has'} not finished: ${missing.join(', ')}; ` +
        'run the study without --cell (tune cells run first), or their --cell indices from `icmix study FILE --dry-run`, then this cell again',
    );
  }
  // A tune folder made with other settings (the study file changed since) must not choose.
  for (const [id, r] of records) {
    if (r.train && canonicalJson(r.train) !== canonicalJson({ ...cell.train, lr: r.lr, seed: r.seed })) {
      throw new IcmixError(`cell ${cell.id}: tune cell ${id} was made with other training settings (the study file changed); delete runs/${id} to redo it`);
    }
  }
  const choice = selectLr(group, records);
  const edge = group.allowEdge ? undefined : sweepEdge(group, choice.lr);
  if (edge) {
    throw new IcmixError(
      `cell ${cell.id}: tune group ${group.group} chose lr ${choice.lr}, the ${edge.side} of its sweep [${group.lr.join(', ')}], so its best rate may lie outside it; ` +
        `extend the sweep past it (add ${edge.next} to tune.lr in the study file) and run the study again (the new tune cell runs first), or set tune.allowEdge: true to train at an edge choice`,
    );
  }
  return choice;
}

/**
 * Whether `lr` is the smallest or largest rate of the group's sweep (of two or more), and the rate
 * one step beyond it (the sweep's geometric step, or x3 / ÷3 for a sweep without one).
 */
export function sweepEdge(group: Pick<TuneGroup, 'lr'>, lr: number): { side: 'top' | 'bottom'; next: number } | undefined {
  const sorted = [...group.lr].sort((a, b) => a - b);
  if (sorted.length < 2) return undefined;
  const round = (x: number) => Number(x.toPrecision(2));
  if (lr === sorted[sorted.length - 1]) return { side: 'top', next: round(lr * (lr / sorted[sorted.length - 2]!)) };
  if (lr === sorted[0]) return { side: 'bottom', next: round(lr / (sorted[1]! / lr)) };
  return undefined;
}
