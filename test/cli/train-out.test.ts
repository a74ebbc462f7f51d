import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main.js';

// `icmix train` and its --out folder (issue 13 item 2): the CLI passes --overwrite through, and
// a non-empty folder is refused before anything in it changes.
test('icmix train refuses a non-empty --out unless --resume or --overwrite, and a bad model name leaves it as it was', async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'icmix-cli-out-'));
  writeFileSync(path.join(out, 'log.jsonl'), '{"epoch":1}\n');
  const common = ['train', '--dataset', 'mnist', '--train-subset', '200', '--val-size', '20', '--epochs', '1', '--max-steps', '1', '--backend', 'cpu', '--out', out, '--quiet'];
  const args = [...common, '--model', 'mlp'];
  await assert.rejects(main(args), /--out .* is not empty \(log\.jsonl\); pass --resume to continue its run, --overwrite to start over/);
  await assert.rejects(main([...common, '--model', 'resnet9000', '--overwrite']), /unknown model 'resnet9000'/);
  assert.equal(readFileSync(path.join(out, 'log.jsonl'), 'utf8'), '{"epoch":1}\n');
  await main([...args, '--overwrite']);
  assert.deepEqual(readdirSync(out).sort(), ['checkpoint', 'log.jsonl', 'manifest.json', 'model', 'training-curves.svg']);
  assert.equal(readFileSync(path.join(out, 'log.jsonl'), 'utf8').trim().split('\n').length, 1);
});
