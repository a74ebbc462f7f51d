#!/usr/bin/env node
// Runs every test/**/*.test.ts (or those under the paths given) with node's test runner and tsx.
// Node 20's runner does not expand globs itself. Files run one at a time: the machine has 2 cores
// and several tests train small models.
import { readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

function collect(p, out) {
  if (statSync(p).isDirectory()) {
    for (const name of readdirSync(p).sort()) collect(path.join(p, name), out);
  } else if (p.endsWith('.test.ts')) {
    out.push(p);
  }
  return out;
}

const roots = process.argv.slice(2);
const files = (roots.length ? roots : ['test']).flatMap((r) => collect(r, []));
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ') || 'test'}`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
