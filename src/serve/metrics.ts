/**
 * A small Prometheus registry: labelled counters and histograms rendered in the text exposition
 * format (version 0.0.4). Hand-written because the server needs only these two kinds.
 */

type Labels = Record<string, string>;

function labelKey(labels: Labels): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k].replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`);
  return parts.join(',');
}

function fmt(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return Number.isNaN(v) ? 'NaN' : String(v);
}

interface Metric {
  render(): string;
}

export class Counter implements Metric {
  private values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }

  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, v] of this.values) lines.push(`${this.name}${k ? `{${k}}` : ''} ${fmt(v)}`);
    return lines.join('\n');
  }
}

/** A value read when scraped (queue length, in-flight requests). */
export class Gauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number,
  ) {}

  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, `${this.name} ${fmt(this.read())}`].join('\n');
  }
}

interface HistState {
  counts: number[]; // per bucket, not cumulative
  sum: number;
  count: number;
}

export class Histogram implements Metric {
  private values = new Map<string, HistState>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[], // upper bounds, ascending; +Inf is implied
  ) {}

  observe(v: number, labels: Labels = {}): void {
    const k = labelKey(labels);
    let s = this.values.get(k);
    if (!s) {
      s = { counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
      this.values.set(k, s);
    }
    let i = this.buckets.findIndex((b) => v <= b);
    if (i < 0) i = this.buckets.length;
    s.counts[i]++;
    s.sum += v;
    s.count++;
  }

  /** Observations and their sum for one label set (tests and the bench read these). */
  get(labels: Labels = {}): { count: number; sum: number } {
    const s = this.values.get(labelKey(labels));
    return { count: s?.count ?? 0, sum: s?.sum ?? 0 };
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.values) {
      let cum = 0;
      const sep = k ? ',' : '';
      [...this.buckets, Infinity].forEach((b, i) => {
        cum += s.counts[i];
        lines.push(`${this.name}_bucket{${k}${sep}le="${fmt(b)}"} ${cum}`);
      });
      lines.push(`${this.name}_sum${k ? `{${k}}` : ''} ${fmt(s.sum)}`);
      lines.push(`${this.name}_count${k ? `{${k}}` : ''} ${s.count}`);
    }
    return lines.join('\n');
  }
}

export class Registry {
  private metrics: Metric[] = [];

  counter(name: string, help: string): Counter {
    const c = new Counter(name, help);
    this.metrics.push(c);
    return c;
  }

  gauge(name: string, help: string, read: () => number): Gauge {
    const g = new Gauge(name, help, read);
    this.metrics.push(g);
    return g;
  }

  histogram(name: string, help: string, buckets: number[]): Histogram {
    const h = new Histogram(name, help, buckets);
    this.metrics.push(h);
    return h;
  }

  /** The whole registry in Prometheus text format. */
  render(): string {
    return this.metrics.map((m) => m.render()).join('\n') + '\n';
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** The metrics icmix serve exports. */
export function serveMetrics() {
  const r = new Registry();
  return {
    registry: r,
    requests: r.counter('icmix_http_requests_total', 'HTTP requests answered, by route, method and status code.'),
    latency: r.histogram('icmix_http_request_duration_seconds', 'Time from request received to response sent, by route.', [
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]),
    errors: r.counter('icmix_errors_total', 'Failed predict requests, by error code (client errors and server errors).'),
    images: r.counter('icmix_predicted_images_total', 'Images classified.'),
    ood: r.counter('icmix_ood_images_total', 'Images flagged out-of-distribution (max softmax probability below the threshold).'),
    batchSize: r.histogram('icmix_batch_size', 'Images per model call (dynamic batching merges concurrent requests).', [1, 2, 4, 8, 16, 32, 64, 128, 256]),
    batchRequests: r.histogram('icmix_batch_requests', 'Requests merged into one model call.', [1, 2, 4, 8, 16, 32, 64, 128]),
    inferSeconds: r.histogram('icmix_inference_duration_seconds', 'Time of one model call (batch), including preprocessing.', [
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
    ]),
  };
}

export type ServeMetrics = ReturnType<typeof serveMetrics>;
