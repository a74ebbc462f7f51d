import type { MixerKind } from './types.js';

/** No mixing: identity pairing, lambda 1, the batch as it is. Draws nothing from the Rng. */
export const none: MixerKind<Record<never, never>, object> = {
  params: {},
  create: () => ({
    draw: (batchSize) => {
      const perm = new Int32Array(batchSize);
      for (let i = 0; i < batchSize; i++) perm[i] = i;
      return { perm, lam: 1 };
    },
    mix: (x, y) => ({ x, yA: y, labelLam: 1 }),
  }),
};
