/**
 * TensorBoard event files for a run (`--log-tensorboard DIR`), written by TensorFlow's own summary
 * writer through tfjs-node (`tf.node.summaryFileWriter`). The writer needs tfjs-node's backend to
 * be the active one, so it lives in a worker thread with a tfjs instance of its own: a run on
 * any engine can log, as long as the native engine is installed.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { IcmixError } from '../util/errors.js';

const require = createRequire(import.meta.url);

// The worker: plain CommonJS, so the same code runs from dist/ and under tsx.
const WORKER = `(() => {
const { parentPort, workerData } = require('node:worker_threads');
process.env.TF_CPP_MIN_LOG_LEVEL = process.env.TF_CPP_MIN_LOG_LEVEL || '2';
let writer;
try {
  const tf = require(workerData.pkg);
  writer = tf.node.summaryFileWriter(workerData.dir, 100, 60000);
} catch (e) {
  parentPort.postMessage({ type: 'failed', message: String(e && e.message || e).split('\\n')[0] });
  return;
}
parentPort.on('message', (m) => {
  try {
    if (m.type === 'scalars') {
      for (const [tag, v] of Object.entries(m.values)) if (Number.isFinite(v)) writer.scalar(tag, v, m.step);
      writer.flush();
      parentPort.postMessage({ type: 'written', step: m.step });
    } else {
      writer.flush();
      parentPort.postMessage({ type: 'closed' });
    }
  } catch (e) {
    parentPort.postMessage({ type: 'failed', message: String(e && e.message || e) });
  }
});
parentPort.postMessage({ type: 'ready' });
})();
`;

type FromWriter = { type: 'ready' } | { type: 'written'; step: number } | { type: 'closed' } | { type: 'failed'; message: string };

const HOW = 'TensorBoard logs are written by TensorFlow\'s own summary writer, which comes with the native engine: run `bash scripts/setup.sh`, or leave out --log-tensorboard';

export class TensorBoardLog {
  private waiting?: { resolve: (m: FromWriter) => void };

  private constructor(private readonly worker: Worker, readonly dir: string) {
    worker.on('message', (m: FromWriter) => this.waiting?.resolve(m));
  }

  private next(): Promise<FromWriter> {
    return new Promise((resolve) => {
      this.waiting = { resolve };
    });
  }

  /** The writer's package, or an error with the fix (checked before a run touches its folder). */
  static check(dir: string): string {
    try {
      return require.resolve('@tensorflow/tfjs-node');
    } catch {
      throw new IcmixError(`--log-tensorboard ${dir}: @tensorflow/tfjs-node is not installed. ${HOW}`);
    }
  }

  /** Start a writer into `dir` (created if missing); refuses, with the fix, where tfjs-node is missing. */
  static async open(dir: string): Promise<TensorBoardLog> {
    const pkg = TensorBoardLog.check(dir);
    const worker = new Worker(WORKER, { eval: true, workerData: { pkg, dir } });
    const log = new TensorBoardLog(worker, dir);
    const first = await Promise.race([log.next(), new Promise<FromWriter>((resolve) => worker.once('error', (e) => resolve({ type: 'failed', message: e.message })))]);
    if (first.type !== 'ready') {
      await worker.terminate();
      throw new IcmixError(`--log-tensorboard ${dir}: the summary writer did not start (${first.type === 'failed' ? first.message : first.type}). ${HOW}`);
    }
    return log;
  }

  /** One point per tag at `step` (an epoch); non-finite values are left out. */
  async scalars(step: number, values: Record<string, number>): Promise<void> {
    this.worker.postMessage({ type: 'scalars', step, values });
    const m = await this.next();
    if (m.type === 'failed') throw new IcmixError(`--log-tensorboard ${this.dir}: writing step ${step} failed (${m.message})`);
  }

  async close(): Promise<void> {
    this.worker.postMessage({ type: 'close' });
    await this.next();
    await this.worker.terminate();
  }
}
