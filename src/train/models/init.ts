import * as tfl from '@tensorflow/tfjs-layers';

/**
 * Seeded initialisers: each layer gets its own seed drawn from a counter, so the same model seed
 * gives the same initial weights on the same backend.
 */
export class SeededInit {
  private next: number;
  constructor(seed: number) {
    this.next = (seed >>> 0) * 1000 + 1;
  }

  /** He-normal, as PyTorch ResNets use for convolutions (fan_out in torchvision; fan_in here). */
  he(): ReturnType<typeof tfl.initializers.heNormal> {
    return tfl.initializers.heNormal({ seed: this.next++ });
  }

  glorot(): ReturnType<typeof tfl.initializers.glorotUniform> {
    return tfl.initializers.glorotUniform({ seed: this.next++ });
  }
}
