import * as tf from '@tensorflow/tfjs-core';

export interface SgdOptions {
  momentum: number;
  weightDecay: number;
}

/**
 * SGD with momentum and coupled weight decay, PyTorch's formulation (so runs compare with the
 * reference trainer): g <- g + wd*w; v <- m*v + g; w <- w - lr*v. Its state is the momentum
 * buffers, saved and restored with checkpoints so a resumed run continues exactly.
 */
export class Sgd {
  private readonly buffers: tf.Variable[];

  constructor(
    private readonly vars: tf.Variable[],
    private readonly opts: SgdOptions,
  ) {
    this.buffers = vars.map((v) => tf.variable(tf.zerosLike(v), false));
  }

  /** One update with learning rate `lr`; `grads` maps variable names to gradients. */
  step(grads: tf.NamedTensorMap, lr: number): void {
    const { momentum, weightDecay } = this.opts;
    tf.tidy(() => {
      this.vars.forEach((v, i) => {
        const g0 = grads[v.name];
        if (!g0) return; // a variable the loss does not touch (none in our models)
        const g = weightDecay > 0 ? tf.add(g0, tf.mul(v, weightDecay)) : g0;
        const buf = this.buffers[i];
        const next = tf.add(tf.mul(buf, momentum), g);
        buf.assign(next);
        v.assign(tf.sub(v, tf.mul(next, lr)));
      });
    });
  }

  /** Momentum buffers, in variable order, as one Float32Array. */
  getState(): Float32Array {
    return concat(this.buffers.map((b) => b.dataSync() as Float32Array));
  }

  /** getState with asynchronous reads (what webgpu in Node needs: it has no synchronous read). */
  async readState(): Promise<Float32Array> {
    return concat((await Promise.all(this.buffers.map((b) => b.data()))) as Float32Array[]);
  }

  setState(state: Float32Array): void {
    const total = this.buffers.reduce((n, b) => n + b.size, 0);
    if (state.length !== total) {
      throw new Error(`optimizer state holds ${state.length} values but the model needs ${total}`);
    }
    // In a tidy: assign shares the new tensor's data, and the undisposed source would keep it alive.
    tf.tidy(() => {
      let o = 0;
      for (const b of this.buffers) {
        b.assign(tf.tensor(state.subarray(o, o + b.size), b.shape));
        o += b.size;
      }
    });
  }

  dispose(): void {
    this.buffers.forEach((b) => b.dispose());
  }
}

/** The parts end to end in one array (the momentum buffers as one state vector). */
function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
