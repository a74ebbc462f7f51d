import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { cellFraction, textBar } from '../../src/study/progress.js';
import { studyTrainProgress } from '../../src/study/stages/train.js';
import { runStudy, StudyProgress, studyFromObject } from '../../src/study/index.js';
import type { ProgressEvent } from '../../src/util/progress-event.js';

/** Study progress: each running cell's epoch lines with its name, one bar with an ETA over the whole study. */

/** The trainer's events for one epoch of `steps` steps, as src/train/trainer.ts reports them. */
function epochEvents(epoch: number, epochs: number, steps: number): ProgressEvent[] {
  const task = `epoch ${epoch}/${epochs}`;
  return [
    ...Array.from({ length: steps }, (_, s) => ({ task, done: s + 1, total: steps, fields: { loss: 2 - 0.1 * s, 'img/s': 400 + s, lr: 0.1 }, eta: 30 })),
    { task, finished: true, message: `${task}  loss 1.5000  val acc 40.00%  412 img/s  0:03` },
  ];
}

test('cellFraction reads epoch lines (epochs done) and step statuses (within an epoch)', () => {
  assert.equal(cellFraction('train', 'epoch 3/10  loss 1.5000  val acc 40.00%  412 img/s  0:03'), 0.75 * 0.3);
  assert.ok(Math.abs(cellFraction('train', 'epoch 3/10 step 40/100 loss 1.23 456 img/s') - 0.75 * 0.24) < 1e-12);
  assert.equal(cellFraction('train', 'epoch 10/10 step 100/100'), 0.75);
  assert.equal(textBar(0.5, 10), '#####.....');
  assert.equal(textBar(2, 4), '####');
});

test('a cell resumed from a checkpoint: the ETA counts only the epochs trained in this invocation', () => {
  const p = new StudyProgress(1, 0, true);
  const t0 = Date.now();
  p.stage('a', 'train', ''); // the stage starts before the trainer has said where it resumes
  p.stage('a', 'train', 'epoch 21/40 step 1/100 loss 0.500 900 img/s'); // resumed after epoch 20
  p.stage('a', 'train', 'epoch 30/40  loss 0.4000  val acc 80.00%  900 img/s  0:04');
  // Hand-worked: made now 0.75 * (30 - 20.01) / 40; left 1 - 0.75 * 30 / 40.
  const made = (0.75 * (30 - 20.01)) / 40;
  const left = 1 - (0.75 * 30) / 40;
  const at = t0 + 90_000;
  const expected = (90 * left) / made;
  // The clock of the constructor ran a few ms before t0: allow a second either way.
  assert.ok(Math.abs(p.eta(at) - expected) < 1, `eta ${p.eta(at)}, expected ${expected}`);
  // Counting the checkpoint's 20 epochs as made now would have given about a third of that.
  assert.ok(p.eta(at) > 2.5 * ((90 * left) / ((0.75 * 30) / 40)));
});

test("studyTrainProgress: every epoch line passes as a finished event; steps at most once a second, with loss and img/s", () => {
  const seen: ProgressEvent[] = [];
  let clock = 0;
  const relay = studyTrainProgress((e) => seen.push(e), () => clock);
  for (const e of epochEvents(1, 2, 5)) {
    relay(e);
    clock += 400; // a step every 0.4 s: statuses at 0, 1.2 and 2.0 s pass
  }
  relay({ task: 'train', finished: true, message: 'test accuracy 40.00%; model saved to /x' }); // not an epoch: the study shows its own cell end
  assert.deepEqual(
    seen.map((e) => [e.message, e.finished ?? false]),
    [
      ['epoch 1/2 step 1/5 loss 2.000 400 img/s', false],
      ['epoch 1/2 step 4/5 loss 1.700 403 img/s', false],
      ['epoch 1/2  loss 1.5000  val acc 40.00%  412 img/s  0:03', true],
    ],
  );
});

/** Feed two cells' trainer events through the stage relay into StudyProgress, as the pipeline does. */
function feed(p: StudyProgress): void {
  let clock = 0;
  const relays = Object.fromEntries(['a', 'b'].map((id) => [id, studyTrainProgress((e) => p.stage(id, 'train', e.message ?? '', e.finished === true), () => clock)]));
  p.stage('a', 'train', 'epoch 0/2');
  p.stage('b', 'train', 'epoch 0/2');
  for (const epoch of [1, 2]) {
    const events = epochEvents(epoch, 2, 3);
    for (let i = 0; i < events.length; i++) {
      relays.a(events[i]);
      relays.b(events[i]);
      clock += 1000;
    }
  }
  p.stage('a', 'export', '');
  p.finished('a', 'done');
}

test('a log (not a terminal): each epoch line printed with the cell name, the study share and ETA; statuses stay quiet', () => {
  const out: string[] = [];
  const p = new StudyProgress(2, 0, false, (s) => out.push(s), false);
  feed(p);
  const lines = out.join('').trimEnd().split('\n');
  const epochLines = lines.filter((l) => / (a|b): epoch \d\/2  loss/.test(l));
  assert.equal(epochLines.length, 4, lines.join('\n'));
  assert.match(epochLines[0], /^\[0\/2 cells, ETA [-\d:]+, \d+%\] a: epoch 1\/2  loss 1\.5000  val acc 40\.00%  412 img\/s  0:03$/);
  assert.ok(!lines.some((l) => / step \d/.test(l)), 'step statuses are not printed to a log');
  assert.match(lines.at(-1)!, /^\[1\/2 cells, ETA [-\d:]+, 87%\] a: done$/);
  assert.equal(p.fraction(), (1 + 0.75) / 2);
});

test('a terminal: epoch lines scroll above one redrawn bar over the whole study', () => {
  const out: string[] = [];
  const p = new StudyProgress(2, 0, false, (s) => out.push(s), true);
  feed(p);
  const text = out.join('');
  assert.match(text, /\r\x1b\[Kb: epoch 2\/2  loss 1\.5000  val acc 40\.00%  412 img\/s  0:03\n/);
  const bars = text.split('\r\x1b[K').filter((s) => s.startsWith('study ['));
  assert.ok(bars.length > 0);
  assert.match(bars.at(-1)!, /^study \[#{18}\.{2}\] 1\/2 cells 87% ETA [-\d:]+ \| b epoch 2\/2 loss 1\.5000 val acc/);
  p.close();
  assert.equal(out.at(-1), '\r\x1b[K');
});

test('a real one-cell study streams its epoch lines through the worker process', async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'icmix-study-progress-'));
  try {
    const study = studyFromObject({
      name: 'progress',
      datasets: ['fashion-mnist'],
      protocols: [{ kind: 'balanced', trainSubset: 256 }],
      methods: ['ce'],
      seeds: [0],
      model: 'mlp',
      epochs: 2,
      batchSize: 32,
      train: { valSize: 64, maxStepsPerEpoch: 2, backend: 'cpu' },
      runtimes: ['cpu'],
      suites: ['id'],
      eval: { limit: 100 },
    });
    const lines: string[] = [];
    const r = await runStudy(study, { out, write: (s) => lines.push(s) });
    assert.equal(r.failed.length, 0, JSON.stringify(r.failed));
    const text = lines.join('');
    for (const epoch of [1, 2]) {
      assert.match(text, new RegExp(`\\] fashion-mnist_balanced_ce_seed0: epoch ${epoch}/2  loss \\d+\\.\\d{4}  val acc [\\d.]+%  \\d+ img/s`), text);
    }
    assert.match(text, /\[1\/1 cells, ETA [-\d:]+, 100%\] fashion-mnist_balanced_ce_seed0: done/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
