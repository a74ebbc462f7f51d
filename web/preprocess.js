// Preprocessing and postprocessing for the page, mirroring icmix's Node inference path so the
// browser and `icmix serve` give the same probabilities. Plain ES module, no DOM: the Node tests
// import it too and compare with the server's functions.
import { toModelInput } from './normalize.js';
import { resizeBilinear } from './resize.js';

/**
 * RGBA bytes [h*w*4] → float pixels [h*w*c] in [0, 1] for a c-channel model (c = 1 or 3).
 * Gray uses ITU-R BT.601 luma (0.299 R + 0.587 G + 0.114 B), exact when R = G = B; alpha is
 * composited over black. Same rules as the server's PNG/JPEG decoding.
 */
export function rgbaToPixels(rgba, pixels, c) {
  const out = new Float32Array(pixels * c);
  for (let p = 0; p < pixels; p++) {
    const r = rgba[4 * p];
    const g = rgba[4 * p + 1];
    const b = rgba[4 * p + 2];
    const a = rgba[4 * p + 3] / 255;
    if (c === 1) {
      const y = r === g && g === b ? r : 0.299 * r + 0.587 * g + 0.114 * b;
      out[p] = (y / 255) * a;
    } else {
      out[3 * p] = (r / 255) * a;
      out[3 * p + 1] = (g / 255) * a;
      out[3 * p + 2] = (b / 255) * a;
    }
  }
  return out;
}

/**
 * An RGBA picture of any size ([height, width, 4] bytes) → the model's pixels [h*w*c] in [0, 1]:
 * the shared bilinear resize (./resize.js) to the model's h x w on the RGBA bytes, then
 * rgbaToPixels. The server's image bodies, icmix predict's files and this page's pad and dropped
 * files all take this one path, so the same picture gives the same tensor everywhere.
 * `inputShape` is the model's [h, w, c] (GET /v1/model's inputShape).
 */
export function imageToPixels(rgba, height, width, inputShape) {
  const [h, w, c] = inputShape;
  return rgbaToPixels(resizeBilinear(rgba, height, width, 4, h, w), h * w, c);
}

/**
 * One image [h*w*c] in [0, 1] (NHWC) → the model's input tensor data and dims: per-channel
 * normalisation unless it is baked into the graph, then NCHW if the model wants it. The code is
 * icmix's own (./normalize.js, which Node's preprocessing imports too). `info` is GET /v1/model's answer.
 */
export function preprocess(pixels, info) {
  const [h, w, c] = info.inputShape;
  const hw = h * w;
  if (pixels.length !== hw * c) throw new Error(`expected ${hw * c} pixel values ([${h}][${w}][${c}]), got ${pixels.length}`);
  // Float32 pixels, as Node's decoders give them.
  return toModelInput(Float32Array.from(pixels), 1, info);
}

/**
 * Model output [classes] → probabilities: softmax in float64, or as is when the graph outputs
 * probabilities. The temperature is already applied inside the exported graph.
 */
export function toProbabilities(output, info) {
  const x = Array.from(output);
  if (info.output === 'probabilities') return x;
  const m = Math.max(...x);
  const e = x.map((v) => Math.exp(v - m));
  const s = e.reduce((a, v) => a + v, 0);
  return e.map((v) => v / s);
}

/** Probabilities → top-k with class names, confidence and the OOD flag (null without a threshold). */
export function summarize(probs, info, k = 5) {
  const names = info.classNames;
  const order = probs.map((_, i) => i).sort((a, b) => probs[b] - probs[a] || a - b);
  const confidence = probs[order[0]];
  const thr = info.oodThreshold;
  return {
    probabilities: probs,
    index: order[0],
    label: names[order[0]] ?? String(order[0]),
    confidence,
    ood: thr ? confidence < thr.threshold : null,
    top: order.slice(0, Math.min(k, probs.length)).map((i) => ({ index: i, label: names[i] ?? String(i), probability: probs[i] })),
  };
}
