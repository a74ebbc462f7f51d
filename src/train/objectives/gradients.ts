/**
 * tfjs-core's Node bundle registers no gradient functions; tfjs-layers' bundle registers all of
 * core's into the shared global registry when loaded. The losses promise gradients (tf.grad,
 * tf.variableGrads) even to callers that never load layers, so load it for that side effect.
 */
import '@tensorflow/tfjs-layers';
