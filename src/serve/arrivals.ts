/**
 * Predict requests received whose images are not yet in the batcher (body still arriving or being
 * decoded). The batcher runs a partial batch at once when the count is 0, so every request must
 * leave exactly once: when queued, or when its response closes for any reason (answered, failed,
 * or the client went away mid-upload). A leaked arrival would make every later lone request wait
 * --max-wait-ms.
 */
export class Arrivals {
  private readonly counted = new WeakSet<object>();
  private n = 0;

  /** `onLeave` runs whenever the count drops (the batcher re-checks whether to wait). */
  constructor(private readonly onLeave: () => void) {}

  get count(): number {
    return this.n;
  }

  /** `req` has arrived; `whenGone` registers the listener that settles it when its response closes. */
  add(req: object, whenGone: (listener: () => void) => void): void {
    if (this.counted.has(req)) return;
    this.counted.add(req);
    this.n++;
    whenGone(() => this.settle(req));
  }

  /** `req` no longer can join a batch (queued, failed or gone); a second call does nothing. */
  settle(req: object): void {
    if (this.counted.delete(req)) {
      this.n--;
      this.onLeave();
    }
  }
}
