// The icmix demo page: loads the served model with onnxruntime-web (WebGPU when the browser has
// an adapter, else wasm), classifies what the user draws or drops, and shows calibrated
// probabilities, the OOD flag and the model's reliability diagram.
import * as ort from '/ort/ort.bundle.min.mjs';
import { imageToPixels, preprocess, summarize, toProbabilities } from '/web/preprocess.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

/** Pick WebGPU when an adapter exists (and ?ep= doesn't say otherwise), else wasm. */
async function chooseProvider() {
  const asked = params.get('ep');
  if (asked === 'wasm') return 'wasm';
  if (navigator.gpu) {
    try {
      if (await navigator.gpu.requestAdapter()) return 'webgpu';
    } catch {
      // no adapter: fall through to wasm
    }
  }
  return 'wasm';
}

async function loadModel() {
  const info = await (await fetch('/v1/model')).json();
  // One wasm thread: threads need cross-origin isolation and a 28x28 model doesn't need them.
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = '/ort/';
  let ep = await chooseProvider();
  let session;
  try {
    session = await ort.InferenceSession.create('/model.onnx', { executionProviders: [ep] });
  } catch (err) {
    if (ep === 'wasm') throw err;
    console.warn(`icmix: ${ep} failed (${err.message}); using wasm`);
    // The page says why it is not on the GPU it was offered.
    const fellBack = `${ep} failed: ${err.message.split('\n')[0]}`;
    ep = 'wasm';
    session = await ort.InferenceSession.create('/model.onnx', { executionProviders: ['wasm'] });
    return { info, session, ep, fellBack };
  }
  return { info, session, ep };
}

// `source`: the dropped image's own pixels at its own size until the user draws; null = the pad.
const state = { model: null, source: null };

/** pixels [h*w*c] in [0, 1] → summary with probabilities (the page's test hook uses this). */
async function classify(pixels) {
  const { info, session } = state.model;
  const { data, dims } = preprocess(pixels, info);
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, dims) };
  const out = await session.run(feeds);
  const probs = toProbabilities(out[session.outputNames[0]].data, info);
  return summarize(probs, info, info.serving?.topK ?? 5);
}

function showPrediction(r, info) {
  const ood = $('ood');
  if (r.ood === null) {
    ood.className = 'ood neutral';
    ood.textContent = 'OOD: no threshold';
    $('calib').textContent = 'This model has no OOD threshold in its metadata; run icmix calibrate to choose one.';
  } else {
    ood.className = r.ood ? 'ood out' : 'ood in';
    ood.textContent = r.ood ? 'out of distribution' : 'in distribution';
    const t = info.oodThreshold;
    $('calib').textContent = `OOD when confidence < ${t.threshold.toFixed(3)} (${t.score}${t.tpr ? `, ${Math.round(t.tpr * 100)}% TPR on validation` : ''}). Temperature T = ${info.temperature}.`;
  }
  $('confidence').textContent = `${r.label}: ${(r.confidence * 100).toFixed(1)}% confident`;
  $('top').replaceChildren(
    ...r.top.map((t) => {
      const li = document.createElement('li');
      const name = document.createElement('span');
      name.textContent = t.label;
      const bar = document.createElement('span');
      bar.className = 'bar';
      const fill = document.createElement('span');
      fill.style.width = `${(t.probability * 100).toFixed(2)}%`;
      bar.append(fill);
      const num = document.createElement('span');
      num.className = 'num';
      num.textContent = `${(t.probability * 100).toFixed(1)}%`;
      li.append(name, bar, num);
      return li;
    }),
  );
}

/** Draw the model's reliability diagram: accuracy per confidence bin against the diagonal. */
function drawReliability(report) {
  const svg = $('reliability');
  const ns = 'http://www.w3.org/2000/svg';
  const el = (tag, attrs, text) => {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    svg.append(e);
    return e;
  };
  svg.replaceChildren();
  const run = report?.runtimes?.[0];
  const id = run?.suites?.id;
  const bins = id?.reliability ?? report?.calibration?.reliabilityAfter;
  if (!bins?.length) {
    svg.style.display = 'none';
    $('reliability-note').textContent = 'No evaluation report next to this model (report.json from icmix eval), so no reliability diagram.';
    return;
  }
  const [x0, y0, size] = [40, 10, 250];
  const X = (v) => x0 + v * size;
  const Y = (v) => y0 + (1 - v) * size;
  el('rect', { x: x0, y: y0, width: size, height: size, fill: '#fafbfc', stroke: '#d0d5dd' });
  for (const b of bins) {
    if (!b.count) continue;
    const w = (b.upper - b.lower) * size;
    el('rect', { x: X(b.lower) + 1, y: Y(b.accuracy), width: w - 2, height: size * b.accuracy, fill: '#3056d3', opacity: 0.85 });
    // The gap between confidence and accuracy: the calibration error of this bin.
    const [lo, hi] = [Math.min(b.accuracy, b.confidence), Math.max(b.accuracy, b.confidence)];
    el('rect', { x: X(b.lower) + 1, y: Y(hi), width: w - 2, height: size * (hi - lo), fill: '#c2410c', opacity: 0.35 });
  }
  el('line', { x1: X(0), y1: Y(0), x2: X(1), y2: Y(1), stroke: '#667085', 'stroke-dasharray': '4 3' });
  for (const v of [0, 0.5, 1]) {
    el('text', { x: X(v), y: y0 + size + 14, 'text-anchor': 'middle' }, v.toFixed(1));
    el('text', { x: x0 - 6, y: Y(v) + 4, 'text-anchor': 'end' }, v.toFixed(1));
  }
  el('text', { x: X(0.5), y: y0 + size + 30, 'text-anchor': 'middle' }, 'confidence');
  el('text', { x: 10, y: Y(0.5), transform: `rotate(-90 10 ${Y(0.5)})`, 'text-anchor': 'middle' }, 'accuracy');
  const ece = id?.ece;
  $('reliability-note').textContent =
    `Test split${report.dataset?.name ? ` of ${report.dataset.name}` : ''}` +
    (ece !== undefined ? `: ECE ${(ece * 100).toFixed(2)}%, accuracy ${(id.accuracy * 100).toFixed(1)}%` : '') +
    '. Bars: accuracy per confidence bin; shaded: gap to the diagonal (perfect calibration).';
}

// Drawing pad: strokes in white on black, downscaled to the model's size on every change.
function setupPad() {
  const pad = $('pad');
  const ctx = pad.getContext('2d');
  const clear = () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, pad.width, pad.height);
  };
  clear();
  let drawing = false;
  let last = null;
  const pos = (e) => {
    const r = pad.getBoundingClientRect();
    return [((e.clientX - r.left) * pad.width) / r.width, ((e.clientY - r.top) * pad.height) / r.height];
  };
  pad.addEventListener('pointerdown', (e) => {
    drawing = true;
    last = pos(e);
    pad.setPointerCapture(e.pointerId);
  });
  pad.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    const p = pos(e);
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = Number($('brush').value);
    ctx.lineCap = 'round';
    ctx.beginPath();
    ctx.moveTo(...last);
    ctx.lineTo(...p);
    ctx.stroke();
    last = p;
    state.source = null; // the drawing now includes the strokes: classify the pad
    void runPad();
  });
  pad.addEventListener('pointerup', () => {
    drawing = false;
    void runPad();
  });
  $('clear').addEventListener('click', () => {
    clear();
    state.source = null;
    void runPad();
  });
  const loadFile = async (dropped) => {
    if (!dropped) return;
    const file = dropped;
    state.source = await decodeFile(file);
    const bmp = await createImageBitmap(file);
    clear();
    // Show the whole image inside the pad, keeping its aspect ratio (display only: the model gets
    // the file's own pixels, resized as the server resizes them), turned upright by its EXIF tag.
    const s = Math.min(pad.width / bmp.width, pad.height / bmp.height);
    const [w, h] = [bmp.width * s, bmp.height * s];
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(bmp, (pad.width - w) / 2, (pad.height - h) / 2, w, h);
    await runPad();
  };
  loadImage = loadFile;
  pad.addEventListener('dragover', (e) => {
    e.preventDefault();
    pad.classList.add('drop');
  });
  pad.addEventListener('dragleave', () => pad.classList.remove('drop'));
  pad.addEventListener('drop', (e) => {
    e.preventDefault();
    pad.classList.remove('drop');
    void loadFile(e.dataTransfer.files[0]);
  });
  $('file').addEventListener('change', (e) => void loadFile(e.target.files[0]));
}

let loadImage = null; // setupPad's file loader, for the test hook

/**
 * A file's own RGBA pixels at its own size, as the server's decoder (sharp) reads them: turned
 * upright by its EXIF orientation (createImageBitmap's default, 'from-image'), no colour-space
 * conversion (ICC profiles ignored) and no premultiplication, drawn 1:1 (so no canvas resampling).
 */
async function decodeFile(file) {
  const bmp = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const canvas = new OffscreenCanvas(bmp.width, bmp.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(bmp, 0, 0);
  return { rgba: ctx.getImageData(0, 0, bmp.width, bmp.height).data, height: bmp.height, width: bmp.width };
}

/** The pad's RGBA pixels at the pad's size. */
function padImage() {
  const pad = $('pad');
  return { rgba: pad.getContext('2d').getImageData(0, 0, pad.width, pad.height).data, height: pad.height, width: pad.width };
}

/**
 * Resize the picture (a dropped file, else the pad) to h x w with the server's own resize
 * (imageToPixels: /web/resize.js, not the canvas's smoothing), show it, classify it. Calls during
 * a run coalesce into one rerun; the promise settles when the picture as it is now is shown.
 */
let running = null;
let again = false;
function runPad() {
  if (!state.model) return Promise.resolve();
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    try {
      do {
        again = false;
        const { info } = state.model;
        const img = state.source ?? padImage();
        const pixels = imageToPixels(img.rgba, img.height, img.width, info.inputShape);
        showPixels(pixels, info);
        const r = await classify(pixels);
        state.last = { pixels: Array.from(pixels), result: r };
        showPrediction(r, info);
      } while (again);
    } finally {
      running = null;
    }
  })();
  return running;
}

/** Render pixels [h*w*c] in [0, 1] into the preview canvas (what the model sees). */
function showPixels(pixels, info) {
  const [h, w, c] = info.inputShape;
  const prev = $('preview');
  [prev.width, prev.height] = [w, h];
  const img = new ImageData(w, h);
  for (let p = 0; p < h * w; p++) {
    for (let k = 0; k < 3; k++) img.data[4 * p + k] = Math.round(pixels[p * c + (c === 1 ? 0 : k)] * 255);
    img.data[4 * p + 3] = 255;
  }
  prev.getContext('2d').putImageData(img, 0, 0);
}

async function main() {
  state.model = await loadModel();
  const { info, ep, fellBack } = state.model;
  $('size').textContent = `${info.inputShape[1]}x${info.inputShape[0]}`;
  $('status').textContent = `${info.file}: ${info.inputShape.join('x')} input, ${info.numClasses} classes, temperature ${info.temperature}; onnxruntime-web on ${ep}${fellBack ? ` (${fellBack})` : ''}`;
  setupPad();
  if (info.report) {
    try {
      drawReliability(await (await fetch(info.report)).json());
    } catch (err) {
      $('reliability-note').textContent = `Could not read the report: ${err.message}`;
    }
  } else drawReliability(null);
  await runPad();
}

const ready = main().catch((err) => {
  $('status').textContent = `failed to load the model: ${err.message}`;
  throw err;
});

// Test hook: tests (and curious users) classify raw pixels and see the result rendered.
window.icmix = {
  ready,
  get info() {
    return state.model?.info;
  },
  get provider() {
    return state.model?.ep;
  },
  /** The last drawing the page classified: { pixels, result }. */
  get last() {
    return state.last;
  },
  /** Classify image file bytes as a dropped file is classified → { pixels, result } (pixels: what the model saw). */
  async classifyFile(bytes, type) {
    await ready;
    await loadImage(new Blob([Uint8Array.from(bytes)], { type }));
    return state.last;
  },
  /** pixels [h*w*c] in [0, 1], NHWC → { probabilities, top, confidence, ood, label }. */
  async classify(pixels) {
    await ready;
    const r = await classify(Float32Array.from(pixels));
    showPixels(Float32Array.from(pixels), state.model.info);
    // Show the image on the pad too, scaled up without smoothing.
    const pad = $('pad').getContext('2d');
    pad.imageSmoothingEnabled = false;
    pad.drawImage($('preview'), 0, 0, $('pad').width, $('pad').height);
    showPrediction(r, state.model.info);
    return r;
  },
};
