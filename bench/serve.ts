/**
 * Load test of `icmix serve` on loopback with autocannon: throughput and p50/p99 latency at
 * several concurrency levels, with dynamic batching on and off. The server runs as its own
 * process (the real CLI) so the load generator doesn't share its event loop.
 *
 *   npm run bench:serve -- [--model file.onnx] [--duration 5] [--concurrency 1,8,32]
 *
 * Without --model it exports the `cnn` model (untrained, seeded) for 28x28x1 images, 10 classes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
// @ts-expect-error autocannon ships no types
import autocannon from 'autocannon';
import { writeJsonAtomic, writeFileAtomic } from '../src/util/atomic.js';
import { Rng } from '../src/util/rng.js';
import { buildBenchModel } from './serve-model.js';

interface Args {
  model?: string;
  duration: number;
  concurrency: number[];
}

function parseArgs(argv: string[]): Args {
  const a: Args = { duration: 5, concurrency: [1, 8, 32] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--model') a.model = argv[++i];
    else if (argv[i] === '--duration') a.duration = Number(argv[++i]);
    else if (argv[i] === '--concurrency') a.concurrency = argv[++i].split(',').map(Number);
    else throw new Error(`bench:serve: unknown argument ${argv[i]}`);
  }
  return a;
}

/** Start `icmix serve` on a free port; resolves with its URL once it listens. */
function startServer(model: string, extra: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', model, '--port', '0', '--no-web', ...extra], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve({ child, url: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`icmix serve exited with ${code}:\n${err}`)));
  });
}

function stopServer(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

interface Row {
  batching: string;
  concurrency: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
  non2xx: number;
  timeouts: number;
  meanBatch: number;
}

function metricValue(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const model = args.model ?? (await buildBenchModel(mkdtempSync(path.join(tmpdir(), 'icmix-bench-serve-'))));
  // One 28x28 gray PNG of seeded noise as the request body.
  const rng = new Rng(1);
  const png = new PNG({ width: 28, height: 28 });
  for (let p = 0; p < 784; p++) {
    png.data.fill(rng.int(256), 4 * p, 4 * p + 3);
    png.data[4 * p + 3] = 255;
  }
  const body = PNG.sync.write(png, { colorType: 0 });

  const configs = [
    { batching: 'dynamic (max 32, 2 ms)', flags: ['--max-batch', '32', '--max-wait-ms', '2'] },
    { batching: 'off', flags: ['--max-batch', '1'] },
  ];
  const rows: Row[] = [];
  for (const cfg of configs) {
    const { child, url } = await startServer(model, cfg.flags);
    process.stderr.write(`bench:serve: ${cfg.batching} on ${url}\n`);
    // Warm up the runtime and the JIT before measuring.
    await autocannon({ url: `${url}/v1/predict`, method: 'POST', headers: { 'content-type': 'image/png' }, body, connections: 8, duration: 1 });
    for (const c of args.concurrency) {
      const before = await (await fetch(`${url}/metrics`)).text();
      const r = await autocannon({ url: `${url}/v1/predict`, method: 'POST', headers: { 'content-type': 'image/png' }, body, connections: c, duration: args.duration });
      const after = await (await fetch(`${url}/metrics`)).text();
      const calls = metricValue(after, 'icmix_batch_size_count') - metricValue(before, 'icmix_batch_size_count');
      const images = metricValue(after, 'icmix_batch_size_sum') - metricValue(before, 'icmix_batch_size_sum');
      const row: Row = {
        batching: cfg.batching,
        concurrency: c,
        requestsPerSec: r.requests.average,
        p50Ms: r.latency.p50,
        p99Ms: r.latency.p99,
        requests: r.requests.total,
        errors: r.errors,
        non2xx: r.non2xx,
        timeouts: r.timeouts,
        meanBatch: calls > 0 ? images / calls : NaN,
      };
      rows.push(row);
      process.stderr.write(`  c=${c}: ${row.requestsPerSec.toFixed(0)} req/s, p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms, errors ${row.errors + row.non2xx + row.timeouts}\n`);
    }
    const code = await stopServer(child);
    if (code !== 0) throw new Error(`icmix serve exited with ${code} after SIGTERM`);
  }

  const head = ['batching', 'conc', 'req/s', 'p50 ms', 'p99 ms', 'mean batch', 'requests', 'errors'];
  const table = [head, ...rows.map((r) => [r.batching, String(r.concurrency), r.requestsPerSec.toFixed(0), r.p50Ms.toFixed(2), r.p99Ms.toFixed(2), r.meanBatch.toFixed(2), String(r.requests), String(r.errors + r.non2xx + r.timeouts)])];
  const widths = head.map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const text = table.map((row) => row.map((v, i) => v.padStart(widths[i])).join('  ')).join('\n');
  console.log(text);
  const totalErrors = rows.reduce((a, r) => a + r.errors + r.non2xx + r.timeouts, 0);
  const out = path.resolve('bench/results/serve.json');
  await writeJsonAtomic(out, {
    bench: 'serve',
    createdAt: new Date().toISOString(),
    model: args.model ?? 'cnn (untrained, 28x28x1, 10 classes, exported by icmix)',
    body: 'one 28x28 gray PNG per request',
    durationSeconds: args.duration,
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
    totalErrors,
    rows,
  });
  await writeFileAtomic(path.resolve('bench/results/serve.txt'), text + '\n');
  console.log(`\nwrote ${out}${totalErrors ? `; ${totalErrors} ERRORS` : '; zero errors'}`);
  if (totalErrors) process.exitCode = 1;
}

await main();
