import type * as tfl from '@tensorflow/tfjs-layers';
import type { GraphBuilder } from '../graph.js';
import type { Value, ValueRef } from '../value.js';

/** One application of a tfjs layer, as a layer converter sees it. */
export interface LayerContext {
  b: GraphBuilder;
  layer: tfl.layers.Layer;
  /** tfjs class name, e.g. 'Conv2D'. */
  className: string;
  /** The layer's name: the base for the ONNX names made for it. */
  name: string;
  /** `layer.getConfig()`: tfjs's serialised options (activation as its class name, tuples as arrays). */
  config: Record<string, unknown>;
  inputs: Value[];
  /** tfjs output shapes of this application (null = batch). */
  outputShapes: (number | null)[][];
  /** `v` with its ONNX axes in tfjs order `perm` (one cached Transpose at most). */
  toLayout(v: Value, perm: number[]): Value;
  /** The layer's weight `key` ('kernel', 'bias', 'gamma', ...) as a float32 initializer, shared between applications of the layer. */
  param(key: string, transform?: (w: Weight) => Weight): string;
  /** The raw weight `key`, or undefined if the layer has none by that name. */
  weight(key: string): Weight | undefined;
  /** Apply a tfjs activation (by its serialised name) to `v`. */
  activation(v: ValueRef, identifier: unknown): ValueRef;
  /** Throw an IcmixError naming this layer, its class and the unsupported option. */
  unsupported(option: string, hint?: string): never;
}

export interface Weight {
  data: Float32Array;
  dims: number[];
}

/** Converts one tfjs layer class (or several) into ONNX nodes. */
export interface LayerConverter {
  classNames: string[];
  /** Returns one value per output tensor of the layer application. */
  convert(ctx: LayerContext): ValueRef[];
}
