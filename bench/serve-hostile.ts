/**
 * Hostile traffic against a running `icmix serve` (issue 13 item 6): normal PNG requests with
 * decompression bombs, aborted uploads, stalled uploads (past the body timeout) and trickled
 * uploads mixed in, while a prober times GET /healthz and a sampler reads the server's RSS. Bounded
 * in time; `hostileVerdict` says what went wrong (5xx, unexpected statuses, slow health probes,
 * RSS growth, leaked batcher state). Used by bench:serve (long) and test/serve (a few seconds).
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { Rng } from '../src/util/rng.js';
import { jpegBomb, pngBomb } from './hostile-images.js';

export const HOSTILE_KINDS = ['normal', 'png-bomb', 'jpeg-bomb', 'aborted', 'stalled', 'trickle'] as const;
export type HostileKind = (typeof HOSTILE_KINDS)[number];

/** What each kind of request must get: a status, or 'closed' for an upload the client abandons. */
export const EXPECTED: Record<HostileKind, number | 'closed'> = {
  normal: 200,
  'png-bomb': 413,
  'jpeg-bomb': 413,
  aborted: 'closed',
  stalled: 408,
  trickle: 200,
};

export interface HostileOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:8080. */
  url: string;
  /** Its pid, to read its RSS from /proc (else from its /metrics gauge). */
  pid?: number;
  /** A valid image body for the normal and trickled requests, and its content type. */
  body: Buffer;
  contentType: string;
  durationMs: number;
  /** Concurrent clients sending normal requests back to back. */
  normalClients: number;
  /** Concurrent clients sending each hostile kind (bombs, aborted, stalled, trickle); 0 for a baseline of normal traffic only. */
  hostileClients: number;
  /** The server's --body-timeout-ms: stalled uploads outlast it, trickled ones stay well inside. */
  bodyTimeoutMs: number;
  /** The server's --max-wait-ms: a lone request after the load must not wait it. */
  maxWaitMs: number;
  healthEveryMs?: number;
  seed?: number;
}

export interface KindStats {
  sent: number;
  /** Answers by status ('closed': connection closed with no answer, 'error': client-side failure). */
  outcomes: Record<string, number>;
  unexpected: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface HostileResult {
  durationMs: number;
  wallMs: number;
  kinds: Record<HostileKind, KindStats>;
  fiveXx: number;
  /** Requests still unanswered when the hard bound passed. */
  hung: number;
  health: { probes: number; failed: number; p50Ms: number; p90Ms: number; p99Ms: number; maxMs: number; over100Ms: number };
  rss: { source: 'proc' | 'metrics'; startMb: number; peakMb: number; endMb: number };
  /** After the load: the arriving gauge and queued images (both must be 0) and the fastest of 5 lone requests. */
  after: { arriving: number; queued: number; loneMs: number };
}

function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One request over a raw socket: headers, then `plan` (pieces of the body with a pause before
 * each); `abortAfter` destroys the socket after the pieces instead of waiting for an answer.
 * Resolves to the status, 'closed' or 'error'.
 */
function rawRequest(
  target: URL,
  type: string,
  length: number,
  plan: { pauseMs: number; bytes: Buffer }[],
  opts: { abortAfterMs?: number; hardMs: number },
): Promise<number | 'closed' | 'error' | 'hung'> {
  return new Promise((resolve) => {
    let got = '';
    let settled = false;
    const done = (v: number | 'closed' | 'error' | 'hung') => {
      if (settled) return;
      settled = true;
      clearTimeout(hard);
      sock.destroy();
      resolve(v);
    };
    const hard = setTimeout(() => done('hung'), opts.hardMs);
    const sock = net.connect(Number(target.port), target.hostname, async () => {
      sock.write(`POST /v1/predict HTTP/1.1\r\nhost: ${target.host}\r\ncontent-type: ${type}\r\ncontent-length: ${length}\r\nconnection: close\r\n\r\n`);
      for (const piece of plan) {
        if (piece.pauseMs) await sleep(piece.pauseMs);
        if (settled || sock.destroyed) return;
        sock.write(piece.bytes);
      }
      if (opts.abortAfterMs !== undefined) {
        await sleep(opts.abortAfterMs);
        done('closed');
      }
    });
    sock.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3}) /.exec(got);
      // One answer is enough; the server closes the connection (connection: close) after it.
      if (m && got.includes('\r\n\r\n')) done(Number(m[1]));
    });
    sock.on('error', () => done(got ? 'closed' : 'error'));
    sock.on('close', () => done('closed'));
  });
}

async function fetchStatus(url: string, init: RequestInit, hardMs: number): Promise<number | 'error' | 'hung'> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(hardMs) });
    await res.arrayBuffer();
    return res.status;
  } catch (err) {
    return (err as Error).name === 'TimeoutError' ? 'hung' : 'error';
  }
}

/** GET `url` every `everyMs` for `durationMs` from a worker thread; the answer times of the 200s, and the failures. */
function probeHealth(url: string, durationMs: number, everyMs: number): Promise<{ health: number[]; failed: number }> {
  const code = `
    const { parentPort, workerData: { url, durationMs, everyMs } } = require('node:worker_threads');
    const http = require('node:http');
    const once = () => new Promise((resolve) => {
      const t0 = performance.now();
      const req = http.get(url, { agent: false, timeout: 5000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200 ? performance.now() - t0 : -1));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(-1));
    });
    (async () => {
      const health = [];
      let failed = 0;
      const end = performance.now() + durationMs;
      while (performance.now() < end) {
        const t = await once();
        if (t < 0) failed++; else health.push(t);
        await new Promise((r) => setTimeout(r, everyMs));
      }
      parentPort.postMessage({ health, failed });
    })();`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: { url, durationMs, everyMs } });
    worker.once('message', (m: { health: number[]; failed: number }) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

function metric(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

async function readRss(base: string, pid: number | undefined): Promise<{ source: 'proc' | 'metrics'; bytes: number }> {
  if (pid !== undefined) {
    try {
      const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) return { source: 'proc', bytes: Number(m[1]) * 1024 };
    } catch {
      /* not Linux, or gone: ask the server */
    }
  }
  const text = await (await fetch(`${base}/metrics`)).text();
  return { source: 'metrics', bytes: metric(text, 'process_resident_memory_bytes') };
}

/** Run the mix for `durationMs` and report; every request is bounded, so this always returns. */
export async function runHostileLoad(o: HostileOptions): Promise<HostileResult> {
  const base = o.url.replace(/\/$/, '');
  const target = new URL(base);
  const predictUrl = `${base}/v1/predict`;
  const rng = new Rng(o.seed ?? 1);
  const hardMs = o.bodyTimeoutMs + 10_000;
  const times = Object.fromEntries(HOSTILE_KINDS.map((k) => [k, [] as number[]])) as Record<HostileKind, number[]>;
  const outcomes = Object.fromEntries(HOSTILE_KINDS.map((k) => [k, {} as Record<string, number>])) as Record<HostileKind, Record<string, number>>;
  const record = (kind: HostileKind, t0: number, outcome: number | string) => {
    times[kind].push(performance.now() - t0);
    outcomes[kind][String(outcome)] = (outcomes[kind][String(outcome)] ?? 0) + 1;
  };
  const png = pngBomb();
  const jpg = jpegBomb();

  const rss0 = await readRss(base, o.pid);
  let peak = rss0.bytes;
  const started = performance.now();
  const deadline = started + o.durationMs;
  const running = () => performance.now() < deadline;

  const send: Record<HostileKind, () => Promise<number | string>> = {
    normal: () => fetchStatus(predictUrl, { method: 'POST', headers: { 'content-type': o.contentType }, body: o.body }, hardMs),
    'png-bomb': () => fetchStatus(predictUrl, { method: 'POST', headers: { 'content-type': 'image/png' }, body: png }, hardMs),
    'jpeg-bomb': () => fetchStatus(predictUrl, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: jpg }, hardMs),
    // Half the body, then the client goes away after 0-20 ms.
    aborted: () => rawRequest(target, o.contentType, o.body.length, [{ pauseMs: 0, bytes: o.body.subarray(0, o.body.length >> 1) }], { abortAfterMs: rng.int(21), hardMs }),
    // A few bytes, then nothing: the server must answer 408 after its body timeout.
    stalled: () => rawRequest(target, o.contentType, o.body.length, [{ pauseMs: 0, bytes: o.body.subarray(0, 8) }], { hardMs }),
    // The whole body in three pieces, well inside the body timeout.
    trickle: () => {
      const third = Math.ceil(o.body.length / 3);
      const pause = Math.max(1, Math.floor(o.bodyTimeoutMs / 10));
      const pieces = [0, 1, 2].map((i) => ({ pauseMs: i === 0 ? 0 : pause, bytes: o.body.subarray(i * third, (i + 1) * third) }));
      return rawRequest(target, o.contentType, o.body.length, pieces, { hardMs });
    },
  };
  const client = async (kind: HostileKind) => {
    while (running()) {
      const t0 = performance.now();
      record(kind, t0, await send[kind]());
    }
  };

  // The prober runs in its own thread, so the load generator's busy event loop does not delay
  // its timings: what it measures is the server (and the machine).
  const probes = probeHealth(`${base}/healthz`, o.durationMs, o.healthEveryMs ?? 50);
  const sampler = async () => {
    while (running()) {
      peak = Math.max(peak, (await readRss(base, o.pid)).bytes);
      await sleep(200);
    }
  };

  const clients: Promise<void>[] = [sampler()];
  for (let i = 0; i < o.normalClients; i++) clients.push(client('normal'));
  for (let i = 0; i < o.hostileClients; i++) for (const k of HOSTILE_KINDS) if (k !== 'normal') clients.push(client(k));
  await Promise.all(clients);
  const { health, failed: healthFailed } = await probes;
  const wallMs = performance.now() - started;

  // After the load: nothing may be left arriving or queued, and a lone request must not wait.
  let arriving = NaN;
  let queued = NaN;
  for (let i = 0; i < 100; i++) {
    const text = await (await fetch(`${base}/metrics`)).text();
    arriving = metric(text, 'icmix_arriving_requests');
    queued = metric(text, 'icmix_queued_images');
    if (arriving === 0 && queued === 0) break;
    await sleep(20);
  }
  const lone: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const status = await fetchStatus(predictUrl, { method: 'POST', headers: { 'content-type': o.contentType }, body: o.body }, hardMs);
    lone.push(status === 200 ? performance.now() - t0 : Infinity);
  }
  const rssEnd = await readRss(base, o.pid);
  peak = Math.max(peak, rssEnd.bytes);

  const kinds = {} as Record<HostileKind, KindStats>;
  let fiveXx = 0;
  let hung = 0;
  for (const k of HOSTILE_KINDS) {
    const out = outcomes[k];
    const sent = Object.values(out).reduce((a, v) => a + v, 0);
    fiveXx += Object.entries(out).filter(([s]) => /^5\d\d$/.test(s)).reduce((a, [, v]) => a + v, 0);
    hung += out.hung ?? 0;
    kinds[k] = {
      sent,
      outcomes: out,
      unexpected: sent - (out[String(EXPECTED[k])] ?? 0),
      p50Ms: quantile(times[k], 0.5),
      p99Ms: quantile(times[k], 0.99),
      maxMs: Math.max(...times[k], 0),
    };
  }
  const mb = (b: number) => b / 2 ** 20;
  return {
    durationMs: o.durationMs,
    wallMs,
    kinds,
    fiveXx,
    hung,
    health: {
      probes: health.length + healthFailed,
      failed: healthFailed,
      p50Ms: quantile(health, 0.5),
      p90Ms: quantile(health, 0.9),
      p99Ms: quantile(health, 0.99),
      maxMs: Math.max(...health, 0),
      over100Ms: health.filter((t) => t > 100).length,
    },
    rss: { source: rss0.source, startMb: mb(rss0.bytes), peakMb: mb(peak), endMb: mb(rssEnd.bytes) },
    after: { arriving, queued, loneMs: Math.min(...lone) },
  };
}

export interface HostileLimits {
  /** Slowest /healthz answer allowed. */
  healthMaxMs: number;
  /** The 90th percentile of /healthz answers allowed (on a shared machine, single probes can be late for reasons that are not the server's). */
  healthP90Ms: number;
  /** Most RSS growth over the start allowed, MB. */
  rssGrowthMb: number;
}

/** What went wrong, one line each; empty when the server held. */
export function hostileVerdict(r: HostileResult, o: Pick<HostileOptions, 'maxWaitMs' | 'durationMs' | 'bodyTimeoutMs' | 'hostileClients'>, limits: HostileLimits): string[] {
  const bad: string[] = [];
  if (r.fiveXx > 0) bad.push(`${r.fiveXx} answers were 5xx`);
  if (r.hung > 0) bad.push(`${r.hung} requests were still unanswered ${o.bodyTimeoutMs + 10_000} ms after they were sent`);
  for (const k of HOSTILE_KINDS) {
    const s = r.kinds[k];
    if (s.sent === 0 && (k === 'normal' || o.hostileClients > 0)) bad.push(`no ${k} request was sent`);
    if (s.unexpected > 0) bad.push(`${s.unexpected} of ${s.sent} ${k} requests did not get ${EXPECTED[k]}: ${JSON.stringify(s.outcomes)}`);
  }
  if (r.health.failed > 0) bad.push(`${r.health.failed} of ${r.health.probes} /healthz probes failed`);
  if (r.health.maxMs > limits.healthMaxMs) bad.push(`/healthz took up to ${r.health.maxMs.toFixed(1)} ms (${r.health.over100Ms} probes over 100 ms); the limit is ${limits.healthMaxMs} ms`);
  if (r.health.p90Ms > limits.healthP90Ms) bad.push(`/healthz p90 was ${r.health.p90Ms.toFixed(1)} ms; the limit is ${limits.healthP90Ms} ms`);
  const growth = r.rss.peakMb - r.rss.startMb;
  if (growth > limits.rssGrowthMb) bad.push(`RSS grew by ${growth.toFixed(0)} MB (from ${r.rss.startMb.toFixed(0)} to ${r.rss.peakMb.toFixed(0)}); the limit is ${limits.rssGrowthMb} MB`);
  if (r.after.arriving !== 0 || r.after.queued !== 0) bad.push(`after the load, ${r.after.arriving} requests still count as arriving and ${r.after.queued} images are queued`);
  if (!(r.after.loneMs < o.maxWaitMs)) bad.push(`a lone request after the load took ${r.after.loneMs.toFixed(1)} ms, not under --max-wait-ms ${o.maxWaitMs}`);
  if (r.wallMs > o.durationMs + o.bodyTimeoutMs + 10_000) bad.push(`the load ran ${r.wallMs.toFixed(0)} ms, past its bound`);
  return bad;
}

/** A plain-text table: one row per kind, then /healthz and RSS. */
export function hostileTable(r: HostileResult): string {
  const head = ['kind', 'sent', 'expected', 'outcomes', 'p50 ms', 'p99 ms', 'max ms'];
  const rows = HOSTILE_KINDS.filter((k) => r.kinds[k].sent > 0).map((k) => {
    const s = r.kinds[k];
    const out = Object.entries(s.outcomes).map(([o, n]) => `${o}:${n}`).join(' ');
    return [k, String(s.sent), String(EXPECTED[k]), out, s.p50Ms.toFixed(1), s.p99Ms.toFixed(1), s.maxMs.toFixed(1)];
  });
  rows.push(['/healthz', String(r.health.probes), '200', `failed:${r.health.failed} over100ms:${r.health.over100Ms}`, r.health.p50Ms.toFixed(1), r.health.p99Ms.toFixed(1), r.health.maxMs.toFixed(1)]);
  const table = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const text = table.map((row) => row.map((v, i) => (i === 0 || i === 3 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ')).join('\n');
  return (
    `${text}\n` +
    `RSS (${r.rss.source}): start ${r.rss.startMb.toFixed(0)} MB, peak ${r.rss.peakMb.toFixed(0)} MB, end ${r.rss.endMb.toFixed(0)} MB; ` +
    `5xx: ${r.fiveXx}; after the load: arriving ${r.after.arriving}, queued ${r.after.queued}, lone request ${r.after.loneMs.toFixed(1)} ms`
  );
}
