/**
 * Load test of `icmix serve` on loopback, in two parts. Throughput: autocannon's p50/p99 latency
 * at several concurrency levels, with dynamic batching on and off. Hostile: normal requests with
 * decompression bombs, aborted, stalled and trickled uploads mixed in (bench/serve-hostile.ts);
 * it must give zero 5xx, every answer as expected, /healthz within 100 ms throughout, bounded RSS
 * and no leaked batcher state. The server runs as its own process (the real CLI) so the load
 * generator doesn't share its event loop, and is stopped by its pid.
 *
 *   npm run bench:serve -- [--model file.onnx] [--duration 5] [--concurrency 1,8,32]
 *                          [--hostile-duration 20] [--hostile-clients 4] [--only throughput|hostile]
 *
 * Writes bench/results/serve.{json,txt} and serve-hostile.{json,txt}; exits 1 on any failure.
 * Without --model it exports the `cnn` model (untrained, seeded) for 28x28x1 images, 10 classes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
// @ts-expect-error autocannon ships no types
import autocannon from 'autocannon';
import { writeJsonAtomic, writeFileAtomic } from '../src/util/atomic.js';
import { Rng } from '../src/util/rng.js';
import { buildBenchModel } from './serve-model.js';
import { hostileTable, hostileVerdict, runHostileLoad } from './serve-hostile.js';
import { startServer, stopServer } from './serve-process.js';

interface Args {
  model?: string;
  duration: number;
  concurrency: number[];
  hostileDuration: number;
  hostileClients: number;
  only?: 'throughput' | 'hostile';
}

function parseArgs(argv: string[]): Args {
  const a: Args = { duration: 5, concurrency: [1, 8, 32], hostileDuration: 20, hostileClients: 4 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--model') a.model = argv[++i];
    else if (argv[i] === '--hostile-duration') a.hostileDuration = Number(argv[++i]);
    else if (argv[i] === '--hostile-clients') a.hostileClients = Number(argv[++i]);
    else if (argv[i] === '--only' && ['throughput', 'hostile'].includes(argv[i + 1])) a.only = argv[++i] as Args['only'];
    else if (argv[i] === '--duration') a.duration = Number(argv[++i]);
    else if (argv[i] === '--concurrency') a.concurrency = argv[++i].split(',').map(Number);
    else throw new Error(`bench:serve: unknown argument ${argv[i]}`);
  }
  return a;
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

const MODEL_NOTE = 'cnn (untrained, 28x28x1, 10 classes, exported by icmix)';

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
  let failed = false;
  if (args.only !== 'hostile') failed = (await throughput(args, model, body)) || failed;
  if (args.only !== 'throughput' && args.hostileDuration > 0) failed = (await hostile(args, model, body)) || failed;
  if (failed) process.exitCode = 1;
}

/**
 * Normal traffic alone (the baseline), then the same with the hostile mix added, each against a
 * fresh server; true when the server did not hold under the mix.
 */
async function hostile(args: Args, model: string, body: Buffer): Promise<boolean> {
  const flags = { bodyTimeoutMs: 1000, maxWaitMs: 20 };
  const limits = { healthMaxMs: 100, healthP90Ms: 100, rssGrowthMb: 200 };
  const os = await import('node:os');
  const phases = [];
  for (const [name, hostileClients] of [['normal traffic only', 0], ['with the hostile mix', 1]] as const) {
    const server = await startServer(model, ['--max-batch', '32', '--max-wait-ms', String(flags.maxWaitMs), '--body-timeout-ms', String(flags.bodyTimeoutMs), '--shutdown-timeout-ms', '5000']);
    process.stderr.write(`bench:serve: ${name} for ${args.hostileDuration} s on ${server.url} (pid ${server.pid}), load average ${os.loadavg()[0].toFixed(1)}\n`);
    const o = { url: server.url, pid: server.pid, body, contentType: 'image/png', durationMs: args.hostileDuration * 1000, normalClients: args.hostileClients, hostileClients, ...flags };
    let result;
    try {
      result = await runHostileLoad(o);
    } finally {
      const code = await stopServer(server);
      if (code !== 0) process.stderr.write(`bench:serve: icmix serve exited with ${code} after SIGTERM\n`);
    }
    const problems = hostileVerdict(result, o, limits);
    const text = hostileTable(result);
    console.log(`\n${name}: ${args.hostileDuration} s, ${o.normalClients} normal clients${hostileClients ? `, ${hostileClients} of each hostile kind` : ''}:\n${text}`);
    if (problems.length) console.log(`  FAILED:\n  ${problems.join('\n  ')}`);
    phases.push({ name, options: { durationMs: o.durationMs, normalClients: o.normalClients, hostileClients }, loadAverage: os.loadavg(), problems, result, text });
  }
  const out = path.resolve('bench/results/serve-hostile.json');
  await writeJsonAtomic(out, {
    bench: 'serve-hostile',
    createdAt: new Date().toISOString(),
    model: args.model ?? MODEL_NOTE,
    body: 'one 28x28 gray PNG per normal request',
    server: flags,
    limits,
    node: process.version,
    cpus: os.cpus().length,
    phases: phases.map(({ text: _t, ...p }) => p),
  });
  await writeFileAtomic(path.resolve('bench/results/serve-hostile.txt'), phases.map((p) => `${p.name}\n${p.text}\n`).join('\n'));
  const failed = phases.some((p) => p.problems.length > 0);
  console.log(`wrote ${out}; ${failed ? 'FAILED (see above)' : 'the server held: zero 5xx, every answer as expected, /healthz within 100 ms'}`);
  return failed;
}

/** Throughput rows (autocannon) with batching on and off; true when any request failed. */
async function throughput(args: Args, model: string, body: Buffer): Promise<boolean> {
  const configs = [
    { batching: 'dynamic (max 32, 2 ms)', flags: ['--max-batch', '32', '--max-wait-ms', '2'] },
    { batching: 'off', flags: ['--max-batch', '1'] },
  ];
  const rows: Row[] = [];
  for (const cfg of configs) {
    const server = await startServer(model, cfg.flags);
    const { url } = server;
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
    const code = await stopServer(server);
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
    model: args.model ?? MODEL_NOTE,
    body: 'one 28x28 gray PNG per request',
    durationSeconds: args.duration,
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
    totalErrors,
    rows,
  });
  await writeFileAtomic(path.resolve('bench/results/serve.txt'), text + '\n');
  console.log(`\nwrote ${out}${totalErrors ? `; ${totalErrors} ERRORS` : '; zero errors'}`);
  return totalErrors > 0;
}

await main();
