import type * as tfl from '@tensorflow/tfjs-layers';
import type { ImageShape } from '../../types.js';
import { IcmixError } from '../../util/errors.js';
import { resnet } from './resnet.js';
import { smallCnn } from './cnn.js';
import { mlp } from './mlp.js';

export interface ModelOptions {
  /** Width multiplier for conv models (1 = the published widths). */
  width?: number;
  /** Seed for the initial weights. */
  seed?: number;
}

type Builder = (shape: ImageShape, classes: number, opts: ModelOptions) => tfl.LayersModel;

/**
 * The model zoo: one line per architecture. `defaultWorkers` caps the data-parallel workers a run
 * gets when it names none: the mlp's step (5-9 ms at batch 128 on wasm) is shorter than the
 * workers' per-step exchange, so 2 workers measured 0.4-0.5x one (bench:train).
 */
const MODELS: Record<string, { description: string; build: Builder; defaultWorkers?: number }> = {
  resnet20: { description: 'CIFAR ResNet-20 (3 stages x 3 basic blocks, 16/32/64 widths)', build: (s, c, o) => resnet(s, c, { blocksPerStage: 3, widthMultiplier: o.width, seed: o.seed }) },
  resnet32: { description: 'CIFAR ResNet-32 (5 blocks per stage)', build: (s, c, o) => resnet(s, c, { blocksPerStage: 5, widthMultiplier: o.width, seed: o.seed }) },
  resnet56: { description: 'CIFAR ResNet-56 (9 blocks per stage)', build: (s, c, o) => resnet(s, c, { blocksPerStage: 9, widthMultiplier: o.width, seed: o.seed }) },
  resnet8: { description: 'CIFAR ResNet-8 (1 block per stage): quick studies', build: (s, c, o) => resnet(s, c, { blocksPerStage: 1, widthMultiplier: o.width, seed: o.seed }) },
  cnn: { description: 'small CNN: 2 conv-BN-ReLU-pool stages, dense 128', build: (s, c, o) => smallCnn(s, c, { widthMultiplier: o.width, seed: o.seed }) },
  mlp: { description: 'MLP 256-128 on flattened pixels', build: (s, c, o) => mlp(s, c, { seed: o.seed }), defaultWorkers: 1 },
};

export function listModels(): { name: string; description: string }[] {
  return Object.entries(MODELS).map(([name, m]) => ({ name, description: m.description }));
}

/** The most workers a run of this model gets by default (an explicit --workers still wins). */
export function modelWorkerCap(name: string): number {
  return Object.hasOwn(MODELS, name) ? (MODELS[name].defaultWorkers ?? Infinity) : Infinity;
}

/** Refuse a model name the zoo does not have (train checks it before touching the run folder). */
export function checkModelName(name: string): void {
  if (!Object.hasOwn(MODELS, name)) {
    throw new IcmixError(`unknown model '${name}'; choose one of: ${Object.keys(MODELS).join(', ')}`);
  }
}

/** Build a fresh model; logits out ([batch, classes]), normalised NHWC images in. */
export function buildModel(name: string, inputShape: ImageShape, numClasses: number, opts: ModelOptions = {}): tfl.LayersModel {
  checkModelName(name);
  return MODELS[name].build(inputShape, numClasses, opts);
}
