/**
 * Dynamic batching: requests that arrive close together run through the model as one batch, so
 * the runtime does one large matrix product instead of many small ones. A batch runs when it holds
 * maxBatch images or when its oldest request has waited maxWaitMs, whichever comes first; one
 * batch runs at a time, and requests that arrive meanwhile form the next one. A batch also runs at
 * once when no other request is on its way (see `arriving`). Requests are never
 * split, so a single request larger than maxBatch runs as a batch of its own.
 */

/** Runs the model on n images packed as [n, ...item] and returns [n, ...out] packed the same way. */
export type BatchRunner = (inputs: Float32Array, n: number) => Promise<Float32Array>;

export interface BatcherOptions {
  /** Images per model call; 1 (or less) turns batching off: every request runs at once, concurrently. */
  maxBatch: number;
  /** How long the first request of a batch may wait for company. */
  maxWaitMs: number;
  /** Floats per input image (h*w*c) and per output row (classes). */
  itemSize: number;
  outSize: number;
  /**
   * Requests received but not yet submitted (still being read or decoded). When it is 0 nobody
   * can join the batch, so it runs without waiting: a lone client pays no batching delay.
   */
  arriving?: () => number;
  /** Called after every model call with the number of images and requests in it. */
  onBatch?: (images: number, requests: number, seconds: number) => void;
}

interface Pending {
  inputs: Float32Array; // [n, itemSize]
  n: number;
  resolve: (out: Float32Array) => void;
  reject: (err: unknown) => void;
}

export class DynamicBatcher {
  private queue: Pending[] = [];
  private queued = 0; // images in queue
  private timer: NodeJS.Timeout | undefined;
  private running = 0;
  private draining = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly run: BatchRunner,
    private readonly opts: BatcherOptions,
  ) {}

  /** Images waiting for a batch, and batches running now. */
  get pending(): { images: number; running: number } {
    return { images: this.queued, running: this.running };
  }

  get enabled(): boolean {
    return this.opts.maxBatch > 1;
  }

  /** Queue n images [n, itemSize]; resolves to their outputs [n, outSize]. */
  submit(inputs: Float32Array, n: number): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      this.queue.push({ inputs, n, resolve, reject });
      this.queued += n;
      this.schedule();
    });
  }

  /** Re-check whether the queued batch should run now (call when `arriving` drops). */
  poke(): void {
    this.schedule();
  }

  /** Stop waiting: run everything queued now and resolve once no batch is queued or running. */
  drain(): Promise<void> {
    this.draining = true;
    this.schedule();
    return this.idle();
  }

  private idle(): Promise<void> {
    if (this.queue.length === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.queue.length === 0) return;
    if (!this.enabled) {
      // No batching: every request goes to the runtime as soon as it arrives.
      while (this.queue.length > 0) this.launch(1);
      return;
    }
    if (this.running > 0) return; // the next batch forms while this one runs
    const nobodyComing = this.opts.arriving !== undefined && this.opts.arriving() === 0;
    if (this.queued >= this.opts.maxBatch || this.draining || this.opts.maxWaitMs <= 0 || nobodyComing) {
      this.launch(this.opts.maxBatch);
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (this.running === 0) this.launch(this.opts.maxBatch);
      }, this.opts.maxWaitMs);
    }
  }

  /** Take whole requests from the queue up to maxImages (at least one request) and run them. */
  private launch(maxImages: number): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const take: Pending[] = [];
    let n = 0;
    while (this.queue.length > 0 && (take.length === 0 || n + this.queue[0].n <= maxImages)) {
      const p = this.queue.shift()!;
      take.push(p);
      n += p.n;
    }
    this.queued -= n;
    this.running++;
    void this.execute(take, n);
  }

  private async execute(take: Pending[], n: number): Promise<void> {
    const { itemSize, outSize } = this.opts;
    const started = process.hrtime.bigint();
    try {
      let inputs: Float32Array;
      if (take.length === 1) inputs = take[0].inputs;
      else {
        inputs = new Float32Array(n * itemSize);
        let off = 0;
        for (const p of take) {
          inputs.set(p.inputs, off);
          off += p.n * itemSize;
        }
      }
      const out = await this.run(inputs, n);
      this.opts.onBatch?.(n, take.length, Number(process.hrtime.bigint() - started) / 1e9);
      let row = 0;
      for (const p of take) {
        p.resolve(out.slice(row * outSize, (row + p.n) * outSize));
        row += p.n;
      }
    } catch (err) {
      for (const p of take) p.reject(err);
    } finally {
      this.running--;
      if (this.queue.length > 0) {
        // These requests waited through the last batch already: run them now.
        if (this.enabled && this.running === 0) this.launch(this.opts.maxBatch);
      } else if (this.running === 0) {
        for (const w of this.idleWaiters.splice(0)) w();
      }
    }
  }
}
