import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { train } from '../../src/train/trainer.js';
import type { ProgressEvent } from '../../src/util/progress-event.js';
import { progressText } from '../../src/util/progress-event.js';
import { renderProgress } from '../../src/util/progress.js';

/** What `fn` writes to stderr (not a terminal here, so bars print as lines). */
async function stderrOf(fn: () => unknown): Promise<string> {
  const write = process.stderr.write.bind(process.stderr);
  let out = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    await fn();
  } finally {
    process.stderr.write = write;
  }
  return out;
}

test('renderProgress draws a bar per task, its summary when finished, and prefixed messages', async () => {
  const out = await stderrOf(() => {
    const r = renderProgress({ prefix: 'icmix eval: ' });
    r({ task: 'evaluate', message: 'loading mnist' });
    r({ task: 'epoch 1/2', done: 10, total: 10, fields: { loss: 0.5 } });
    r({ task: 'epoch 1/2', finished: true, message: 'epoch 1/2  loss 0.5000' });
  });
  const lines = out.trimEnd().split('\n');
  assert.equal(lines[0], 'icmix eval: loading mnist');
  assert.match(lines[1], /^epoch 1\/2 \[#{20}\] 10\/10  loss 0\.500  ETA /);
  assert.equal(lines[2], 'epoch 1/2  loss 0.5000');
  // The producer's ETA (a whole training run) replaces the bar's own; lr reads as 4.00e-4.
  const run = await stderrOf(() => renderProgress()({ task: 'epoch 1/9', done: 1, total: 4, fields: { lr: 0.0004 }, eta: 3725 }));
  assert.match(run, /lr 4\.00e-4  ETA 1:02:05\n$/);
  assert.equal(progressText({ task: 'epoch 3/10' }), 'epoch 3/10');
  assert.equal(progressText({ task: 'x', done: 2, total: 5 }), 'x 2/5');
});

test('an eval-sized event stream (130 sets x 2 runtimes) prints one line per ~10% when stderr is not a terminal', async () => {
  const total = 130 * 2 * 4;
  const out = await stderrOf(() => {
    const r = renderProgress({ prefix: 'icmix eval: ' });
    r({ task: 'evaluate', message: 'loading mnist' });
    for (let done = 1; done <= total; done++) r({ task: 'evaluate', done, total, fields: { set: `set${Math.floor((done - 1) / 8)}`, on: done % 8 < 4 ? 'cpu' : 'web' } });
    r({ task: 'evaluate', finished: true, message: 'evaluated 1040 batches' });
  });
  const lines = out.trimEnd().split('\n');
  assert.equal(lines[0], 'icmix eval: loading mnist');
  const bars = lines.filter((l) => l.startsWith('evaluate ['));
  // 0%, 10%, ..., 100%: eleven lines at most, the last one complete.
  assert.ok(bars.length >= 10 && bars.length <= 11, bars.join('\n'));
  assert.match(bars.at(-1)!, /^evaluate \[#{20}\] 1040\/1040  set set129  on cpu  ETA /);
  assert.equal(lines.at(-1), 'evaluated 1040 batches');
});

test('train reports steps, epoch summaries and the result as events, and writes nothing itself', async () => {
  const events: ProgressEvent[] = [];
  const out = mkdtempSync(path.join(tmpdir(), 'icmix-progress-'));
  const written = await stderrOf(() =>
    train(
      { dataset: 'mnist', model: 'mlp', method: 'icm', trainSubset: 200, valSize: 50, batchSize: 16, maxStepsPerEpoch: 2, epochs: 2, backend: 'cpu', out },
      { onProgress: (e) => events.push(e) },
    ),
  );
  assert.equal(written, '');
  const steps = events.filter((e) => e.done !== undefined);
  assert.deepEqual(steps.map((e) => `${e.task} ${e.done}/${e.total}`), ['epoch 1/2 1/2', 'epoch 1/2 2/2', 'epoch 2/2 1/2', 'epoch 2/2 2/2']);
  for (const e of steps) assert.deepEqual(Object.keys(e.fields ?? {}), ['loss', 'img/s', 'lr']);
  // The run's ETA: the last step has nothing left; earlier ones a finite, shrinking estimate.
  const etas = steps.map((e) => e.eta!);
  assert.equal(etas.at(-1), 0);
  for (const t of etas) assert.ok(Number.isFinite(t) && t >= 0, String(t));
  const finished = events.filter((e) => e.finished).map((e) => e.task);
  assert.deepEqual(finished, ['epoch 1/2', 'epoch 2/2', 'train']);
  assert.match(events.at(-1)!.message!, /^test accuracy \d+\.\d\d%; model saved to /);
});
