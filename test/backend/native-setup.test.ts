import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

// The native engine's set-up refuses what it cannot trust, naming the file and the fix.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

test('a TensorFlow wheel whose sha256 is not the pinned one is refused before anything is unpacked or cached', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'icmix-wheel-'));
  const wheel = path.join(dir, 'tensorflow_cpu-2.18.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl');
  writeFileSync(wheel, 'not a wheel');
  const cache = path.join(dir, 'cache');
  const r = spawnSync('bash', ['scripts/native-engine.sh', 'tarball'], { cwd: root, encoding: 'utf8', env: { ...process.env, ICMIX_CACHE_DIR: cache, ICMIX_TF_WHEEL: wheel } });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /error: tensorflow_cpu-2\.18\.1-\S+\.whl has sha256 [0-9a-f]{64}, expected 810c75d7\w+: the download is corrupt or not the pinned wheel; delete \S+ and run again/);
  assert.ok(!existsSync(path.join(cache, 'native', 'tensorflow-cpu-2.18.1', 'libtensorflow-cpu-linux-x86_64-2.9.1.tar.gz')));
});

test('a missing local wheel is named', () => {
  const r = spawnSync('bash', ['scripts/native-engine.sh', 'tarball'], { cwd: root, encoding: 'utf8', env: { ...process.env, ICMIX_CACHE_DIR: mkdtempSync(path.join(tmpdir(), 'icmix-wheel-')), ICMIX_TF_WHEEL: '/nonexistent/tf.whl' } });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /ICMIX_TF_WHEEL=\/nonexistent\/tf\.whl: no such file/);
});

test('an unknown subcommand prints the usage', () => {
  const r = spawnSync('bash', ['scripts/native-engine.sh', 'nope'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /usage: bash scripts\/native-engine\.sh check\|install\|tarball/);
});
