/**
 * `icmix predict`: classify image files with an ONNX model, batch by batch, through the same
 * decoding as `icmix serve` (the image room, src/image), the same preprocessing and runtimes as
 * `icmix eval` (predictProbabilities), and the same top-k / OOD flag as the server's responses.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { decodeForModel, DEFAULT_MAX_IMAGE_PIXELS, hasImageExtension, IMAGE_EXTENSIONS, IMAGE_FILE, mapLimited } from '../image/index.js';
import { IcmixError } from '../util/errors.js';
import type { OnProgress } from '../util/progress-event.js';
import { checkOptions, positiveInt, type RuleTable } from '../util/ranges.js';
import type { ModelInfo } from './model-info.js';
import { loadModelInfo, type ModelOverrides } from './model-overrides.js';
import { resolveRunModel as resolveModelPath } from '../run/folder.js';
import { DEFAULT_BATCH_SIZE, predictProbabilities } from './predict.js';
import { toPredictions, type Prediction } from './predictions.js';
import { createRuntime, DEFAULT_RUNTIME, type FallbackRuntime, type RuntimeName } from './runtimes/index.js';

export interface PredictImagesOptions {
  /** Classes listed per image, most probable first (default 3, at most the class count). */
  topK?: number;
  /** Default: DEFAULT_RUNTIME (cpu). */
  runtime?: RuntimeName;
  fallback?: FallbackRuntime;
  threads?: number;
  /** Images decoded and run per model call (default 256): bounds memory on large folders. */
  batchSize?: number;
  /** The model's info when the caller has it (e.g. with flag overrides applied); else read from the file. */
  info?: ModelInfo;
  /** For models made elsewhere (ignored when `info` is given). */
  overrides?: ModelOverrides;
  /** Most width x height pixels a file may declare; larger ones get an error line before decoding (default DEFAULT_MAX_IMAGE_PIXELS). */
  maxImagePixels?: number;
  /** Progress over all images ({ task: 'predict', done, total }). */
  onProgress?: OnProgress;
}

export const PREDICT_IMAGES_RULES: RuleTable<PredictImagesOptions> = {
  topK: positiveInt,
  threads: positiveInt,
  batchSize: positiveInt,
  maxImagePixels: positiveInt,
};

/** One image's result: the server's Prediction, or why this file could not be classified. */
export type ImagePrediction = ({ file: string } & Prediction) | { file: string; error: string };

/**
 * The image files named: files as given, folders searched recursively for IMAGE_EXTENSIONS
 * (sorted, so the order is the same on every machine). A path that does not exist is an error.
 */
export async function listImageFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (hasImageExtension(e.name)) out.push(p);
    }
  };
  for (const p of paths) {
    let st;
    try {
      st = await fs.stat(p);
    } catch (e) {
      throw new IcmixError(`cannot read ${p} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); name image files or folders of them`);
    }
    if (st.isDirectory()) {
      const before = out.length;
      await walk(p);
      if (out.length === before) throw new IcmixError(`${p} holds no ${IMAGE_EXTENSIONS.join('/')} files`);
    } else out.push(p);
  }
  return out;
}

/** One file → [H, W, C] in [0, 1] for the model, or the reason it cannot be. */
async function decodeFile(file: string, info: ModelInfo, maxPixels: number): Promise<Float32Array | string> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    return `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
  if (bytes.length === 0) return 'the file is empty';
  try {
    return await decodeForModel(bytes, info.inputShape, { maxPixels, source: IMAGE_FILE });
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Classify `files` (see listImageFiles for folders) with `model` (an .onnx or a run folder: its
 * calibrated model if any), yielding one result per file in order. A file that does not decode
 * yields an error entry and the rest go on; any size is resized to the model's (web/resize.js).
 */
export async function* predictImageFiles(model: string, files: readonly string[], opts: PredictImagesOptions = {}): AsyncGenerator<ImagePrediction> {
  checkOptions(opts, PREDICT_IMAGES_RULES, 'predict');
  const modelPath = resolveModelPath(model);
  const info = opts.info ?? (await loadModelInfo(modelPath, opts.overrides)).info;
  const topK = opts.topK ?? 3;
  const maxPixels = opts.maxImagePixels ?? DEFAULT_MAX_IMAGE_PIXELS;
  const batch = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  const rt = await createRuntime(opts.runtime ?? DEFAULT_RUNTIME, modelPath, { threads: opts.threads, fallback: opts.fallback, info });
  const [h, w, c] = info.inputShape;
  const size = h * w * c;
  try {
    for (let start = 0; start < files.length; start += batch) {
      const chunk = files.slice(start, start + batch);
      const decoded = await mapLimited(chunk, (f) => decodeFile(f, info, maxPixels));
      const good = decoded.filter((d): d is Float32Array => typeof d !== 'string');
      const images = new Float32Array(good.length * size);
      good.forEach((d, i) => images.set(d, i * size));
      const preds = good.length ? toPredictions(await predictProbabilities(rt, info, images, good.length, batch), good.length, info, topK).predictions : [];
      let g = 0;
      for (let i = 0; i < chunk.length; i++) {
        const d = decoded[i];
        yield typeof d === 'string' ? { file: chunk[i], error: d } : { file: chunk[i], ...preds[g++] };
      }
      opts.onProgress?.({ task: 'predict', done: start + chunk.length, total: files.length });
    }
    opts.onProgress?.({ task: 'predict', finished: true, message: `${files.length} images on ${rt.name}` });
  } finally {
    await rt.dispose();
  }
}

/** All results at once (predictImageFiles collected). */
export async function predictImages(model: string, paths: readonly string[], opts: PredictImagesOptions = {}): Promise<ImagePrediction[]> {
  const out: ImagePrediction[] = [];
  for await (const p of predictImageFiles(model, await listImageFiles(paths), opts)) out.push(p);
  return out;
}

/** One line for people: `file  label 93.1%  | other 4.2% | ...  [OOD]`, or `file  error: why`. */
export function formatPredictionLine(p: ImagePrediction): string {
  if ('error' in p) return `${p.file}  error: ${p.error}`;
  const top = p.top.map((t) => `${t.label} ${(100 * t.probability).toFixed(1)}%`).join(' | ');
  const ood = p.ood === null ? '' : p.ood ? '  [OOD]' : '  [in-distribution]';
  return `${p.file}  ${top}${ood}`;
}
