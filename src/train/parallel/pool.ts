/**
 * The main thread's side of data-parallel training: starts the workers, hands each step's mixed
 * batch out through shared memory, collects their answers, and turns a worker that throws, exits
 * or crashes into one error naming the worker and the step.
 */
import { Worker } from 'node:worker_threads';
import { IcmixError } from '../../util/errors.js';
import type { HostBatch } from './batch.js';
import { abortBarrier, allocateShared, viewShared, type SharedSizes, type SharedViews } from './shared.js';
import type { FromWorker, ToWorker, WorkerInit } from './replica-thread.js';

/** A worker that failed: which one, where (e.g. 'epoch 2, step 5' or 'start-up'), and why. */
export class WorkerFailure extends IcmixError {
  constructor(
    readonly worker: number,
    readonly where: string,
    readonly reason: string,
  ) {
    super(`worker ${worker} failed at ${where}: ${reason}`);
    this.name = 'WorkerFailure';
  }
}

/**
 * The worker entry beside this file: replica-thread.js in dist; under tsx (tests, benches) replica-thread.ts, for
 * which the worker first registers tsx's loader itself (Node 20 does not apply an inherited
 * `--import tsx` to a worker's own entry file).
 */
function workerEntry(): { code: string | URL; eval: boolean } {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return { code: new URL('./replica-thread.js', here), eval: false };
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./replica-thread.ts', here).href;
  return { code: `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`, eval: true };
}

/** A request in flight: the answers so far, by worker, from the workers it was sent to. */
type Pending = { expect: FromWorker['type']; answers: Map<number, FromWorker>; from: number[]; resolve: (a: Map<number, FromWorker>) => void; reject: (e: Error) => void };

export type PoolInit = Omit<WorkerInit, 'index' | 'buffers'>;

export class WorkerPool {
  private readonly views: SharedViews;
  private readonly workers: Worker[] = [];
  private pending?: Pending;
  private failure?: WorkerFailure;
  private where = 'start-up';
  private closing = false;

  private constructor(readonly sizes: SharedSizes, init: PoolInit) {
    const buffers = allocateShared(sizes);
    this.views = viewShared(buffers);
    const entry = workerEntry();
    for (let k = 0; k < sizes.workers; k++) {
      const w = new Worker(entry.code, { eval: entry.eval, workerData: { ...init, index: k, buffers } satisfies WorkerInit });
      w.on('message', (m: FromWorker) => this.answer(k, m));
      w.on('error', (e) => this.fail(k, `it crashed: ${e.message}`));
      w.on('exit', (code) => {
        if (!this.closing) this.fail(k, `it exited with code ${code}`);
      });
      this.workers.push(w);
    }
  }

  /** Start `sizes.workers` replicas with `init`'s weights; resolves when all are ready. */
  static async start(sizes: SharedSizes, init: PoolInit): Promise<WorkerPool> {
    const pool = new WorkerPool(sizes, init);
    try {
      await pool.request('ready');
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  /**
   * One SGD step on every replica: the whole batch's loss before the update, and whether every
   * replica's weights are finite after it. `epoch` and `step` are 1-based.
   */
  async step(batch: HostBatch, lr: number, epoch: number, step: number): Promise<{ loss: number; finite: boolean }> {
    const b = batch.targets.y.length;
    if (batch.clean) this.views.cleanImages.set(batch.clean);
    this.views.mixedImages.set(batch.mixed);
    this.where = `epoch ${epoch}, step ${step}`;
    const msg: ToWorker = { type: 'step', epoch, step, batch: b, lr, clean: batch.clean !== undefined, targets: batch.targets };
    const answers = await this.request('done', msg);
    const done = this.workers.map((_, k) => answers.get(k) as Extract<FromWorker, { type: 'done' }>);
    // Every replica computed the same whole-batch loss; worker 0 speaks for them.
    return { loss: done[0].loss, finite: done.every((d) => d.finite) };
  }

  /** Worker k's weights (model.weights order) and optimizer state; all replicas hold the same. */
  async readState(k = 0): Promise<{ weights: Float32Array[]; optimizer: Float32Array }> {
    this.where = `reading worker ${k}'s weights`;
    const answers = await this.request('state', { type: 'read' }, k);
    const s = answers.get(k) as Extract<FromWorker, { type: 'state' }>;
    return { weights: s.weights, optimizer: s.optimizer };
  }

  /** Stop every worker; safe to call more than once and after a failure. */
  async close(): Promise<void> {
    this.closing = true;
    abortBarrier(this.views.control);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /** Send `msg` (to worker `only`, or all) and wait for an answer of type `expect` from each. */
  private request(expect: FromWorker['type'], msg?: ToWorker, only?: number): Promise<Map<number, FromWorker>> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const from = only === undefined ? this.workers.map((_, k) => k) : [only];
      this.pending = { expect, answers: new Map(), from, resolve, reject };
      if (msg) for (const k of from) this.workers[k].postMessage(msg);
    });
  }

  private answer(k: number, m: FromWorker): void {
    if (m.type === 'failed') {
      // A worker freed from a barrier by another's failure is not the cause.
      if (!m.aborted) this.fail(k, m.message);
      return;
    }
    const p = this.pending;
    if (!p || m.type !== p.expect || !p.from.includes(k)) return;
    p.answers.set(k, m);
    if (p.answers.size === p.from.length) {
      this.pending = undefined;
      p.resolve(p.answers);
    }
  }

  private fail(k: number, cause: string): void {
    if (this.failure || this.closing) return;
    this.failure = new WorkerFailure(k, this.where, cause);
    abortBarrier(this.views.control);
    const p = this.pending;
    this.pending = undefined;
    p?.reject(this.failure);
  }
}
