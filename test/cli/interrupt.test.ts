import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { interruptMessage, resumeCommand, shellQuote } from '../../src/cli/progress/interrupt.js';

test('resumeCommand repeats the command line with --resume, quoted for a shell', () => {
  assert.equal(resumeCommand(['train', '--dataset', 'mnist', '--out', 'runs/a b']), "icmix train --dataset mnist --out 'runs/a b' --resume");
  assert.equal(resumeCommand(['train', '--out', 'r', '--resume']), 'icmix train --out r --resume');
  // --overwrite would delete the kept checkpoint: never in the resume command.
  assert.equal(resumeCommand(['train', '--out', 'r', '--overwrite']), 'icmix train --out r --resume');
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
  const none = interruptMessage({ runDir: 'r', epochs: 3, args: ['train', '--out', 'r', '--resume'] });
  assert.match(none, /no checkpoint was kept in r\.\nStart again with: icmix train --out r --overwrite\n$/);
});

test('Ctrl-C during icmix train says which checkpoint was kept and the exact command to resume', async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'icmix-sigint-'));
  const args = ['train', '--dataset', 'mnist', '--model', 'mlp', '--train-subset', '200', '--val-size', '50', '--batch-size', '16', '--max-steps', '2', '--epochs', '50', '--backend', 'cpu', '--out', out];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no second epoch within 60 s:\n${stderr}`)), 60_000);
    child.stderr.on('data', (d: Buffer) => {
      stderr += String(d);
      // Epoch 2's bar appears once epoch 1's checkpoint is on disk.
      if (/^epoch 2\/50 \[/m.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.kill('SIGINT');
  const code = await exited;
  assert.equal(code, 130, stderr);
  const state = JSON.parse(readFileSync(path.join(out, 'checkpoint', 'state.json'), 'utf8')) as { epoch: number };
  assert.ok(state.epoch >= 1 && state.epoch < 50);
  assert.ok(stderr.includes(`icmix train: interrupted. Kept in ${out}: the checkpoint after epoch ${state.epoch}/50 and its log.jsonl.\n`), stderr);
  assert.ok(stderr.includes(`Resume with: icmix ${args.join(' ')} --resume\n`), stderr);
});
