import * as tf from '@tensorflow/tfjs-core';

/**
 * A tfjs-layers class's prototype, from the serialization registry the class registers itself in
 * (building an instance to reach it would use up an auto-generated layer name).
 */
export function layerPrototype<T>(className: string): T {
  const entry = (tf.serialization.SerializationMap.getMap().classNameMap as Record<string, [{ prototype: unknown }, unknown]>)[className];
  if (!entry) throw new Error(`tfjs-layers' ${className} is not registered; import @tensorflow/tfjs-layers first`);
  return entry[0].prototype as T;
}
