/**
 * What the study report says about how each cell trained, read from the run folders: the lr it
 * trained at (the tuned choice where there was a sweep), the convergence check over its
 * validation curve, the trainer's warnings; and each tune group's sweep and choice.
 */
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readEpochLog, RUN_FILES } from '../run/index.js';
import type { TrainWarning } from '../train/warnings.js';
import { allCells } from './cells.js';
import { convergenceCheck, type ConvergenceCheck } from './convergence.js';
import { cellChanged, isCellFinished } from './pipeline.js';
import { readGroupRecords, selectLr, type TuneChoice, type TuneRecord, type TuneScore } from './tune.js';
import type { Study } from './types.js';

export interface CellTraining {
  /** The lr it trained at (base rate of the schedule). */
  lr: number;
  epochs: number;
  /** Validation accuracy after the last epoch. */
  valAccuracy?: number;
  convergence?: ConvergenceCheck;
  warnings: TrainWarning[];
}

export interface TuneSummary {
  group: string;
  dataset: string;
  protocol: string;
  method: string;
  seeds: number[];
  scores: TuneScore[];
  /** Absent until every tune cell of the group finished. */
  chosen?: number;
  /** Tune cells not finished. */
  missing: string[];
}

/**
 * Per finished cell (tune cells too) whose folder still matches the study: the same cells the
 * report's metrics come from (a half-trained cell is not "not converged", and a cell made with
 * other settings or at a stale tune choice is not this study's).
 */
export async function collectTraining(study: Study, runsDir: string): Promise<Record<string, CellTraining>> {
  const result: Record<string, CellTraining> = {};
  for (const c of allCells(study)) {
    const dir = path.join(runsDir, c.id);
    if (!isCellFinished(dir) || cellChanged(c, dir)) continue;
    const logs = await readEpochLog(dir).catch(() => []);
    if (!logs.length) continue;
    const manifestFile = path.join(dir, RUN_FILES.manifest);
    const manifest = existsSync(manifestFile) ? (JSON.parse(await fs.readFile(manifestFile, 'utf8')) as { config?: { lr?: number }; warnings?: TrainWarning[] }) : {};
    const convergence = convergenceCheck(logs.map((l) => l.valAccuracy));
    result[c.id] = {
      lr: manifest.config?.lr ?? c.train.lr,
      epochs: logs.length,
      ...(Number.isFinite(logs[logs.length - 1].valAccuracy) ? { valAccuracy: logs[logs.length - 1].valAccuracy } : {}),
      ...(convergence ? { convergence } : {}),
      warnings: manifest.warnings ?? [],
    };
  }
  return result;
}

/** Each tune group's sweep (mean validation accuracy per lr) and, once complete, its choice. */
export async function collectTuning(study: Study, runsDir: string): Promise<TuneSummary[]> {
  const records = new Map<string, TuneRecord>();
  const current = new Map(study.tuneCells.map((c) => [c.id, c]));
  for (const g of study.tuning) {
    for (const [id, r] of await readGroupRecords(g, runsDir)) {
      // A tune folder made with other settings (the study file changed since) does not score.
      if (!cellChanged(current.get(id)!, path.join(runsDir, id))) records.set(id, r);
    }
  }
  return summariseTuning(study, records);
}

/** The sweep tables from tune records by cell id (a results folder's, or a cells.json's). */
export function summariseTuning(study: Study, records: ReadonlyMap<string, TuneRecord>): TuneSummary[] {
  return study.tuning.map((g) => {
    const mine = new Map(g.cells.filter((id) => records.has(id)).map((id) => [id, records.get(id)!]));
    const missing = g.cells.filter((id) => !mine.has(id));
    let choice: TuneChoice | undefined;
    try {
      choice = selectLr(g, mine);
    } catch {
      choice = undefined; // nothing finite yet (or every lr diverged): no scores to show
    }
    const scores = choice?.scores ?? g.lr.map((lr) => ({ lr, valAccuracy: NaN, n: 0 }));
    return { group: g.group, dataset: g.dataset, protocol: g.protocol, method: g.method, seeds: g.seeds, scores, ...(choice && !missing.length ? { chosen: choice.lr } : {}), missing };
  });
}
